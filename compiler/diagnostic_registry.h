#pragma once
// The one table of diagnostic kinds: every code the front end can report (syntax errors from
// lang/ and the compiler's own from compiler/diagnostics.def), with its default severity, a
// title and the explanation `flowc explain CODE` prints.
#include <string>
#include <string_view>
#include <vector>

#include "lang/diagnostic.h"

namespace flow {

struct DiagnosticKind {
  std::string code;         // "E0101"
  Severity severity = Severity::Error;
  std::string title;        // short, lowercase: "undefined agent"
  std::string explanation;  // a paragraph or two
};

// Sorted by code. Built once; the reference stays valid for the program's life.
const std::vector<DiagnosticKind>& diagnostic_kinds();

// nullptr when the code is unknown.
const DiagnosticKind* find_diagnostic_kind(std::string_view code);

// A diagnostic of a registered kind, with the kind's default severity. Aborts in debug
// builds on an unknown code so a typo cannot ship.
Diagnostic make_diagnostic(std::string_view code, const Span& span, std::string message);

}  // namespace flow

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

// The codes compiler/diagnostics.def declares, for the compile-time check below.
inline constexpr std::string_view kCompilerDiagnosticCodes[] = {
#define DIAG(code, severity, title, explanation) #code,
#include "compiler/diagnostics.def"
#undef DIAG
};

// Not constexpr on purpose: a DiagCode built from a code the table lacks calls it, which a
// consteval constructor cannot do, so a misspelt code is a compile error in every build type.
void unknown_diagnostic_code();

// A code the compiler emits, checked while compiling: `make_diagnostic("E0101", ...)` builds
// and `make_diagnostic("E1010", ...)` does not.
struct DiagCode {
  std::string_view value;
  consteval DiagCode(const char* code) : value(code) {
    bool known = false;
    for (std::string_view c : kCompilerDiagnosticCodes) known = known || c == value;
    if (!known) unknown_diagnostic_code();
  }
};

// A diagnostic of a registered kind, with the kind's default severity.
Diagnostic make_diagnostic(DiagCode code, const Span& span, std::string message);

}  // namespace flow

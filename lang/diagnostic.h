#pragma once
// A diagnostic: what went wrong, where, and how to fix it. Produced by the parser and the
// checks; printed by the renderers (human here; json/sarif/github in compiler/).
#include <string>
#include <vector>

#include "lang/source.h"

namespace flow {

enum class Severity { Error, Warning, Note };

struct Label {
  Span span;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;     // stable, e.g. "E0101"; see docs/diagnostics.md
  std::string message;  // one line, lowercase, no trailing period
  Span span;            // the caret goes under this
  std::string label;    // short text beside the caret (optional)
  std::vector<Label> secondary;    // other places worth showing (e.g. where a `<` was opened)
  std::vector<std::string> notes;  // "note: ..." lines
  std::string help;                // "help: ..." line (optional)
};

const char* severity_name(Severity s);  // "error", "warning", "note"

// rustc-style text: `file:line:col: error[CODE]: message`, the source line, a caret line,
// then notes and help. Colour only when asked (the caller decides whether stdout is a TTY).
std::string render_human(const Diagnostic& d, const SourceMap& sources, bool color);

bool has_errors(const std::vector<Diagnostic>& ds);

}  // namespace flow

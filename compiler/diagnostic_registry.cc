#include "compiler/diagnostic_registry.h"

#include <algorithm>

#include "lang/syntax_error_kinds.h"

namespace flow {
namespace {

std::vector<DiagnosticKind> build() {
  std::vector<DiagnosticKind> kinds = {
#define DIAG(code, severity, title, explanation) {#code, Severity::severity, title, explanation},
#include "compiler/diagnostics.def"
#undef DIAG
  };
  // Syntax errors are owned by lang/; several grammar rules share one code, listed once.
  for (const SyntaxErrorKind& k : syntax_error_kinds()) {
    bool seen = std::any_of(kinds.begin(), kinds.end(),
                            [&](const DiagnosticKind& d) { return d.code == k.code; });
    if (!seen)
      kinds.push_back({std::string(k.code), Severity::Error, std::string(k.title),
                       std::string(k.explanation)});
  }
  std::sort(kinds.begin(), kinds.end(),
            [](const DiagnosticKind& a, const DiagnosticKind& b) { return a.code < b.code; });
  return kinds;
}

}  // namespace

const std::vector<DiagnosticKind>& diagnostic_kinds() {
  static const std::vector<DiagnosticKind> kinds = build();
  return kinds;
}

const DiagnosticKind* find_diagnostic_kind(std::string_view code) {
  const auto& kinds = diagnostic_kinds();
  auto it = std::lower_bound(kinds.begin(), kinds.end(), code,
                             [](const DiagnosticKind& k, std::string_view c) { return k.code < c; });
  return it != kinds.end() && it->code == code ? &*it : nullptr;
}

void unknown_diagnostic_code() {}

Diagnostic make_diagnostic(DiagCode code, const Span& span, std::string message) {
  // DiagCode only holds codes of diagnostics.def, so the lookup always finds one.
  const DiagnosticKind* kind = find_diagnostic_kind(code.value);
  Diagnostic d;
  d.severity = kind ? kind->severity : Severity::Error;
  d.code = std::string(code.value);
  d.message = std::move(message);
  d.span = span;
  return d;
}

}  // namespace flow

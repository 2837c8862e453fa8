#pragma once
// Machine-readable forms of diagnostics. Emitters only format: which diagnostics exist and
// how severe they are was decided before. Every emitter takes the reports of several files
// (each compiled on its own, with its own SourceMap) and returns the whole document.
#include <string>
#include <vector>

#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

struct Report {
  const SourceMap* sources = nullptr;
  const std::vector<Diagnostic>* diagnostics = nullptr;
};

// {"version": 1, "diagnostics": [{file, line, col, end_line, end_col, severity, code, message,
// label, notes, help, related: [{file, line, col, message}]}]} (docs/diagnostics.md).
std::string emit_json(const std::vector<Report>& reports);

// SARIF 2.1.0, one run, the rules used by the results included with their explanations.
std::string emit_sarif(const std::vector<Report>& reports, const std::string& tool_version);

// GitHub Actions workflow commands: `::error file=F,line=L,col=C,...::message`, one per line.
std::string emit_github(const std::vector<Report>& reports);

}  // namespace flow

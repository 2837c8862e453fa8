#pragma once
// The commands that write a run out for people and tools: `flow report` (HTML) and
// `flow export --otlp-json` (OpenTelemetry). They print their own messages; the return value
// is the exit code (0 ok, 1 the run store could not be read or the file not written, 2 no
// such run).
#include <string>

namespace flow::rt {

// `out` "" means RUN_DIR/report.html, "-" stdout.
int report_command(const std::string& run_root, const std::string& run, const std::string& out);
// `out` "-" means stdout.
int export_otlp_command(const std::string& run_root, const std::string& run, const std::string& out);

}  // namespace flow::rt

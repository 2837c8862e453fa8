#pragma once
// The commands that read runs back: `flow runs`, `flow show RUN [STEP]`, `flow show --json`.
#include <string>

namespace flow::rt {

int list_runs_command(const std::string& run_root);
int show_run_command(const std::string& run_root, const std::string& run);
// `flow show RUN STEP`: what STEP answered (its last attempt's output if it did not finish),
// through printable(). Exit 2 if the run or the step does not exist.
int show_step_output_command(const std::string& run_root, const std::string& run,
                             const std::string& step);
// `flow show --json`: the run, one entry per step (kind, status, attempts, time, cost and
// tokens) and the cost per agent and for the run, as one JSON document.
int show_run_json_command(const std::string& run_root, const std::string& run);

}  // namespace flow::rt

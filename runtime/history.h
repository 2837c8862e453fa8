#pragma once
// Reading finished and unfinished runs back: `flow runs`, `flow show RUN`, and picking the run
// `flow resume` continues when none is named.
#include <string>
#include <vector>

namespace flow::rt {

// The most recent run whose status is not "succeeded" (ids sort by time); "" if none.
std::string latest_unfinished_run(const std::string& run_root);

// The most recent run (`flow show last`); "" if there is none.
std::string latest_run(const std::string& run_root);

// The per-step table built from DIR/events.jsonl.
std::string summary_table(const std::string& run_dir);

// The steps of the run in DIR that ran (a `done` or `attempt` event), in the order they first
// did: what `flow show RUN STEP` can print. Empty when the run cannot be read.
std::vector<std::string> steps_that_ran(const std::string& run_dir);

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

#pragma once
// The runs under a run root, read back: which there are, the latest, what a run's steps
// answered. What `flow runs`, `flow show`, `flow resume` and the completion words are made of.
#include <string>
#include <vector>

namespace flow::rt {

// The runs under `root` that have a run.json, oldest first (ids sort by the second, then by
// the start time in run.json).
std::vector<std::string> run_ids(const std::string& root);

// What the listings read of DIR/run.json. `found` is false when it is missing, not a JSON object
// or an empty one; a field of another type (a hand-edited file) reads as "".
struct RunMeta {
  bool found = false;
  std::string flow, status, started;
};
RunMeta meta_of(const std::string& dir);

// The file holding what STEP produced: its `done` event's output, else (a step that failed or
// has not finished) the output of its last attempt; "" for an empty answer. `found` says
// whether STEP ran at all; `steps` gets every step that ran, in order.
std::string step_output_file(const std::string& dir, const std::string& step, bool* found,
                             std::vector<std::string>* steps, std::string* err);

// The most recent run whose status is not "succeeded" (ids sort by time); "" if none.
std::string latest_unfinished_run(const std::string& run_root);

// The most recent run (`flow show last`); "" if there is none.
std::string latest_run(const std::string& run_root);

// The steps of the run in DIR that ran (a `done` or `attempt` event), in the order they first
// did: what `flow show RUN STEP` can print. Empty when the run cannot be read.
std::vector<std::string> steps_that_ran(const std::string& run_dir);

}  // namespace flow::rt

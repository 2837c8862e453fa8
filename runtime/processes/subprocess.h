#pragma once
// Running one child process: argv (no shell unless the caller passes /bin/sh -c), stdin fed
// from a string, stdout and stderr captured, its own process group so a timeout or an
// interrupt can kill everything it started (killpg SIGTERM, then SIGKILL after a grace).
// A supervisor process (supervise.h) kills the groups of running programs when `flow` dies.
// The guarantees are listed in docs/runtime.md, "Processes".
#include <string>
#include <utility>
#include <vector>

#include "runtime/engine/cancel.h"

namespace flow::rt {

struct SubprocessSpec {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing) ours
  std::string stdin_text;
  bool merge_stderr = false;  // true: stderr goes into `out` as well (command steps)
  int timeout_ms = 0;         // 0 = no limit
  int kill_grace_ms = 2000;   // between SIGTERM and SIGKILL
  // After the program exits, how long to keep reading output that a process it left behind
  // still holds open; then the output so far is the output.
  int drain_ms = 2000;
  std::string record_dir;     // "" or where the supervisor records the group (proc_track.h)
  std::string cwd;            // "" = ours; else the program starts there
  // 0 = keep all output; else keep this many bytes of each stream and read and drop the rest
  // (counted in SubprocessResult::dropped), so a chatty program cannot exhaust our memory.
  size_t max_output = 0;
  // After the program exits, SIGKILL what it left running in its group (background jobs).
  bool kill_leftovers = false;
  // A Landlock ruleset (landlock.h) the program and all it starts are confined to; -1 = none.
  // The descriptor stays the caller's.
  int landlock_ruleset = -1;
};

struct SubprocessResult {
  bool started = false;   // false: spawn failed (see error)
  int exit_code = -1;     // when it exited normally
  int term_signal = 0;    // when a signal ended it
  bool timed_out = false;
  bool cancelled = false;
  std::string out, err;
  size_t dropped = 0;     // output bytes beyond max_output, read and not kept
  std::string error;      // could not start, or lost track of it: never a success
  bool ok() const {
    return started && error.empty() && exit_code == 0 && !timed_out && !cancelled;
  }
};

SubprocessResult run_subprocess(const SubprocessSpec& spec, Cancel* cancel);

// SIGKILLs the process group of every program running now (a second Ctrl-C). Returns how many.
int kill_all_children();

// The last `max_lines` lines (at most `max_bytes`) of `text`, for error messages.
std::string tail_of(const std::string& text, size_t max_lines = 20, size_t max_bytes = 2000);

// A one-line description of how it ended ("exit 3", "killed by signal 9", "timed out after 5s").
std::string describe_exit(const SubprocessResult& r, int timeout_ms);

}  // namespace flow::rt

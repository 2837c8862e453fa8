#pragma once
// Asking a human: approval steps, `approve` gates and `else ask`. Reads /dev/tty when stdin is
// a terminal; without one it refuses to guess unless --yes auto-approves.
#include <string>

#include "runtime/cancel.h"

namespace flow::rt {

struct Answer {
  bool approved = false;
  bool refused = false;    // no terminal and no --yes: nobody could be asked
  bool cancelled = false;  // interrupted while waiting
  std::string how;         // "tty" or "--yes"
  std::string feedback;    // why not, when the human said no (gates)
};

// One question at a time, even when several steps ask at once.
Answer ask_human(const std::string& question, bool auto_yes, bool want_feedback, Cancel* cancel);

}  // namespace flow::rt

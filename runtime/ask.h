#pragma once
// Asking a human: approval steps, `approve` gates and `else ask`. Reads /dev/tty when stdin is
// a terminal; without one it refuses to guess unless --yes auto-approves, or, when the run
// waits for approvals, waits for `flow approve` / `flow reject` (approvals.h).
#include <string>

#include "runtime/cancel.h"

namespace flow::rt {

struct Answer {
  bool approved = false;
  bool refused = false;    // no terminal and no --yes: nobody could be asked
  bool cancelled = false;  // interrupted while waiting
  std::string how;         // "tty", "--yes" or "flow approve"
  std::string feedback;    // why not, when the human said no (gates)
  std::string who, comment;   // flow approve / flow reject: who answered, and a remark
  std::string notify_error;   // the notify hook failed (the wait went on)
};

// Where a question goes when there is no terminal and the run waits for approvals.
struct WaitSpec {
  std::string run_id, run_dir, step, kind;  // kind: "step", "gate" or "else ask"
  std::string notify;  // shell command run once when the wait begins; "" = none
};

// True when a question can be asked on the terminal: stdin is one and /dev/tty opens.
bool terminal_available();

// Records the request (approvals.h), runs the notify hook with FLOW_RUN_ID, FLOW_RUN_DIR,
// FLOW_STEP and FLOW_QUESTION in its environment, and waits for the answer. `cancelled` when
// interrupted: the request stays, and a resumed run waits for it again.
Answer wait_for_approval(const WaitSpec& where, const std::string& question, Cancel* cancel);

// One question at a time, even when several steps ask at once.
Answer ask_human(const std::string& question, bool auto_yes, bool want_feedback, Cancel* cancel);

}  // namespace flow::rt

#pragma once
// Asking a person: approval steps, `approve` gates and `else ask`. At a terminal the question
// is asked there and may also be answered from another shell (`flow approve` / `flow reject`):
// the first answer counts. Without one, `--yes` approves, or the run waits for an answer from
// another shell (approvals.h), or it refuses to guess.
#include <string>
#include <vector>

#include "runtime/engine/cancel.h"
#include "runtime/terminal/screen_hold.h"

namespace flow::rt {

struct Answer {
  bool approved = false;
  bool refused = false;    // no terminal and no --yes: nobody could be asked
  bool cancelled = false;  // interrupted while waiting
  std::string how;         // "tty", "--yes" or "flow approve"
  std::string feedback;    // why not, when the person said no (gates)
  std::string who, comment;   // flow approve / flow reject: who answered, and a remark
  std::string notify_error;   // the notify hook failed (the wait went on)
};

// Where a question is recorded, so that `flow runs` shows it and `flow approve` answers it.
struct WaitSpec {
  std::string run_id, run_dir, step, kind;  // kind: "step", "gate" or "else ask"
  std::string stage;   // the step's stage: `flow approve RUN STAGE` names it so
  std::string notify;  // shell command run once when a wait without a terminal begins; "" = none
};

// An output the question is about, shown under it.
struct WorkShown {
  std::string step;
  std::string path;  // the output file ("" when the output is empty)
  std::string text;  // the output itself (agent-made: printed only through printable())
};

struct Question {
  std::string text;
  std::vector<WorkShown> work;
  bool want_feedback = false;  // a "no" asks what should change (gates: it is the feedback)
};

// The question as the terminal shows it (its text, the work it is about, the keys to answer and
// how to answer from another shell), every line within `cols` columns.
std::string render_question(const Question& q, const WaitSpec& where, size_t cols);

// True when a question can be asked on the terminal: stdin is one and /dev/tty opens.
bool terminal_available();

// Records the request (approvals.h), runs the notify hook with FLOW_RUN_ID, FLOW_RUN_DIR,
// FLOW_STEP and FLOW_QUESTION in its environment, and waits for the answer. `cancelled` when
// interrupted: the request stays, and a resumed run waits for it again.
Answer wait_for_approval(const WaitSpec& where, const std::string& question, Cancel* cancel);

// Asks at the terminal, one question at a time even when several steps ask at once: the
// question, the work it is about and the keys to answer stay on screen (the live view,
// `screen`, stands aside) until it is answered there or from another shell. With `auto_yes`
// approves at once; without a terminal `refused`.
Answer ask_human(const WaitSpec& where, const Question& q, bool auto_yes, ScreenHold* screen,
                 Cancel* cancel);

}  // namespace flow::rt

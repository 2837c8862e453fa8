#pragma once
// Running one call: an agent through its backend (its write scope kept, write_guard.h), a
// command, a question to a person, or a verdict already given. What a call touches is its own
// data and the run's files: no scheduler, no other call, no printing. Safe on any thread.
#include <string>

#include "runtime/engine/cancel.h"
#include "runtime/engine/call.h"
#include "runtime/terminal/screen_hold.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

struct ExecContext {
  std::string run_dir;
  Cancel* cancel = nullptr;
  ScopeTracker* scopes = nullptr;  // write scopes of the calls running now
  bool yes = false;                // approve questions without asking (--yes)
  ScreenHold* screen = nullptr;    // the live view, standing aside while a person answers
};

// Runs `call` (a retried one after its delay) and saves its prompt and output files. The
// request of an agent call gets this call's sandbox (write_guard.h), hence non-const.
CallResult execute(Call& call, const ExecContext& ctx);

}  // namespace flow::rt

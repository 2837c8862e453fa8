#pragma once
// Where calls run: the seam between the scheduler, which decides what is ready, and the
// executor (execute.h), as ninja's CommandRunner is between its builder and its subprocesses.
// `flow run` runs calls on worker threads, several at once; `flow run-node` and tests run each
// call in start() itself.
#include <functional>
#include <memory>
#include <vector>

#include "runtime/engine/call.h"
#include "runtime/engine/execute.h"

namespace flow::rt {

class Runner {
 public:
  virtual ~Runner() = default;
  // Starts `call`; its result comes back from wait().
  virtual void start(Call call) = 0;
  // Waits until a call has finished, `woken()` holds (checked whenever wake() is called), or
  // `timeout_ms` have passed (-1: no limit); moves the finished calls into `out`. False when
  // it returns with nothing finished.
  virtual bool wait(std::vector<Finished>& out, int timeout_ms,
                    const std::function<bool()>& woken) = 0;
  // Makes wait() look at `woken` again (from another thread: a signal was caught).
  virtual void wake() = 0;
};

// Runs calls on up to `threads` worker threads, started as they are needed.
std::unique_ptr<Runner> make_thread_runner(ExecContext ctx, int threads);
// Runs each call to its end inside start().
std::unique_ptr<Runner> make_inline_runner(ExecContext ctx);

}  // namespace flow::rt

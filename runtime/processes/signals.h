#pragma once
// SIGINT/SIGTERM handling: blocked in every thread and taken by one thread with sigwait, so the
// reaction can do real work (cancel the children, wake the scheduler) instead of the little a
// signal handler may do.
#include <thread>

#include "runtime/engine/cancel.h"
#include "runtime/engine/scheduler.h"

namespace flow::rt {

// Call before any thread starts, so every thread inherits the blocked mask.
void block_signals();

class SignalThread {
 public:
  SignalThread(Cancel& cancel, Scheduler& scheduler);
  ~SignalThread();

 private:
  std::thread thread_;
};

}  // namespace flow::rt

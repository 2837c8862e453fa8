#include "runtime/signals.h"

#include <pthread.h>
#include <signal.h>

namespace flow::rt {

void block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(Cancel& cancel, Scheduler& scheduler) {
  thread_ = std::thread([&cancel, &scheduler] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);  // our own "stop waiting" when the run is over
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGUSR1) return;
    scheduler.set_signal_name(sig == SIGINT ? "SIGINT" : "SIGTERM");
    cancel.request();
    scheduler.wake();
  });
}

SignalThread::~SignalThread() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

}  // namespace flow::rt

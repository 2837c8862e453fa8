#include "runtime/processes/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "runtime/processes/subprocess.h"

namespace flow::rt {

void block_signals() {
  // An ignored SIGCHLD, inherited from whatever started us, would let the kernel reap our
  // children before we read their exit status.
  ::signal(SIGCHLD, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(Cancel& cancel, Scheduler& scheduler) {
  thread_ = std::thread([&cancel, &scheduler] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);   // the terminal went away: stop like SIGTERM
    sigaddset(&set, SIGUSR1);  // our own "stop waiting" when the run is over
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGUSR1) return;
    scheduler.set_signal_name(sig == SIGINT ? "SIGINT" : sig == SIGHUP ? "SIGHUP" : "SIGTERM");
    cancel.request();
    scheduler.wake();
    // The first signal stops the run in order (children get SIGTERM and a grace period, and
    // the end is recorded). A second one does not wait: every child's group is killed now and
    // we exit; the run is left as a crashed run, which `flow resume` continues.
    sigwait(&set, &sig);
    if (sig == SIGUSR1) return;
    kill_all_children();
    static const char msg[] =
        "flow: interrupted again: killed every running step; continue with `flow resume`\n";
    ssize_t n = ::write(2, msg, sizeof msg - 1);
    (void)n;
    _exit(130);
  });
}

SignalThread::~SignalThread() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

}  // namespace flow::rt

#include "runtime/processes/running_programs.h"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "runtime/processes/subprocess.h"
#include "runtime/processes/supervise.h"

extern char** environ;

namespace flow::rt {

std::string spawn_token() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(::getpid());
  }();
  return fmt::format("{:x}.{:x}", salt, counter.fetch_add(1));
}

namespace {

// Process groups of the programs running now, for kill_all_children(). A group leaves this
// list before its leader is reaped, so a pgid here is never one the kernel may have reused.
std::mutex& groups_mu() {
  static std::mutex mu;
  return mu;
}
struct Running {
  pid_t pgid;
  std::string token;
  std::string record_dir;
};

std::string start_line(const Running& g) {
  return "+" + std::to_string(g.pgid) + " " + g.token + " " +
         (g.record_dir.empty() ? "-" : g.record_dir) + "\n";
}
std::vector<Running>& groups() {
  static std::vector<Running> g;
  return g;
}

}  // namespace

int kill_all_children() {
  std::lock_guard<std::mutex> lock(groups_mu());
  for (const Running& g : groups()) ::killpg(g.pgid, SIGKILL);
  return static_cast<int>(groups().size());
}

namespace {

// The supervisor (supervise.h), started the first time a program runs: its socket, -2 before,
// -1 if it could not be started (programs still run, only without the protection against
// `flow` dying).
int supervisor_fd = -2;
pid_t supervisor_pid = 0;

int supervisor_fd_locked() {
  int& fd = supervisor_fd;
  if (fd != -2) return fd;
  fd = -1;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return fd;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], kSupervisorFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setpgroup(&attr, 0);  // a Ctrl-C on the terminal is not for it
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  std::string grace = std::to_string(2000);
  char* argv[] = {const_cast<char*>("/proc/self/exe"), const_cast<char*>(kSuperviseArg),
                  grace.data(), nullptr};
  if (posix_spawn(&supervisor_pid, "/proc/self/exe", &fa, &attr, argv, environ) == 0) fd = sv[0];
  else ::close(sv[0]);
  ::close(sv[1]);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return fd;
}

bool send_all(int fd, const std::string& text) {
  for (size_t sent = 0; sent < text.size();) {
    ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void tell_supervisor_locked(const std::string& line) {
  int fd = supervisor_fd_locked();
  if (fd < 0 || send_all(fd, line)) return;
  // The supervisor is gone (someone killed it). Start another and tell it everything that
  // runs now (that includes this line's program when it just started).
  ::close(fd);
  supervisor_fd = -2;
  int status;
  ::waitpid(supervisor_pid, &status, WNOHANG);
  fd = supervisor_fd_locked();
  std::string all;
  for (const Running& g : groups()) all += start_line(g);
  if (fd >= 0) send_all(fd, all);
}

// Widens the instant between starting a program and naming it to the supervisor, so that a
// test can kill `flow` inside it (tests/runtime/process_test.py). Unset in normal use.
void pause_for_tests() {
  static const int ms = [] {
    const char* v = std::getenv("FLOW_TEST_PAUSE_AFTER_SPAWN_MS");
    return v ? std::atoi(v) : 0;
  }();
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

std::unique_lock<std::mutex> lock_running_programs() {
  return std::unique_lock<std::mutex>(groups_mu());
}

void announce_start_locked(const std::string& token) { tell_supervisor_locked("?" + token + "\n"); }

void announce_failed_start_locked(const std::string& token) {
  tell_supervisor_locked("!" + token + "\n");
}

void add_running_locked(pid_t pgid, const std::string& token, const std::string& record_dir) {
  pause_for_tests();
  groups().push_back({pgid, token, record_dir});
  tell_supervisor_locked(start_line(groups().back()));
}

void forget_running(pid_t pgid) {
  std::lock_guard<std::mutex> lock(groups_mu());
  auto& g = groups();
  g.erase(std::remove_if(g.begin(), g.end(), [&](const Running& r) { return r.pgid == pgid; }),
          g.end());
  tell_supervisor_locked("-" + std::to_string(pgid) + "\n");
}

}  // namespace flow::rt

#include "runtime/processes/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>


#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "runtime/processes/landlock.h"
#include "runtime/processes/running_programs.h"
#include "runtime/processes/supervise.h"

extern char** environ;

namespace flow::rt {
namespace {

int64_t steady_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::vector<std::string> merged_env(const std::vector<std::pair<std::string, std::string>>& add) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (const auto& [k, v] : add) replaced = replaced || k == key;
    if (!replaced) out.push_back(std::move(kv));
  }
  for (const auto& [k, v] : add) out.push_back(k + "=" + v);
  return out;
}

void set_nonblock(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// The signals a child gets back their default disposition for: those flow changes (it ignores
// SIGXFSZ, so a full disk is an error, not a kill) or may have inherited ignored.
constexpr int kResetSignals[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGXFSZ};

// `name` found as posix_spawnp and execvp find it: itself when it holds a '/', else the first
// executable file of that name in our PATH; "" when there is none.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t from = 0;
  while (from <= dirs.size()) {
    size_t colon = std::min(dirs.find(':', from), dirs.size());
    std::string dir = dirs.substr(from, colon - from);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    from = colon + 1;
  }
  return "";
}

// The start of a program that must be confined first (SubprocessSpec::landlock_ruleset):
// posix_spawn runs no code of ours between fork and exec, so this forks. The child makes only
// async-signal-safe calls, and reports a failure before exec through a close-on-exec pipe.
// Returns 0 or the errno that kept the program from starting.
int fork_confined(const SubprocessSpec& spec, const std::string& program, char* const* argv,
                  char* const* envp, int in_fd, int out_fd, int err_fd, pid_t* pid) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return errno;
  const int ruleset = spec.landlock_ruleset;
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  pid_t child = ::fork();
  if (child < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return err;
  }
  if (child == 0) {
    int err = 0;
    ::setpgid(0, 0);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : kResetSignals) ::sigaction(sig, &dfl, nullptr);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    int in = in_fd >= 0 ? in_fd : ::open("/dev/null", O_RDONLY);
    if (in < 0 || ::dup2(in, 0) < 0 || ::dup2(out_fd, 1) < 0 ||
        ::dup2(err_fd >= 0 ? err_fd : out_fd, 2) < 0)
      err = errno;
    if (!err && cwd && ::chdir(cwd) != 0) err = errno;
    if (!err) err = restrict_self(ruleset);
    if (!err) {  // only stdin, stdout and stderr, as posix_spawn leaves them (and the report)
      if (report[1] > 3) ::syscall(SYS_close_range, 3, report[1] - 1, 0);
      ::syscall(SYS_close_range, report[1] + 1, ~0U, 0);
      ::execve(program.c_str(), argv, envp);
      err = errno;
    }
    (void)!::write(report[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  do n = ::read(report[0], &err, sizeof err);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof err) && err != 0) {
    ::waitpid(child, nullptr, 0);
    return err;
  }
  *pid = child;
  return 0;
}

pid_t spawn(const SubprocessSpec& spec, int in_fd, int out_fd, int err_fd, std::string* error) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd >= 0) posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd >= 0 ? err_fd : out_fd, 2);
  // Only stdin, stdout and stderr: a descriptor of ours opened without O_CLOEXEC stays ours.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (so killpg reaches grandchildren); an empty mask, since our threads
  // block the signals the signal thread takes; default dispositions for the signals we change
  // or may have inherited ignored. Only these: resetting all 64 costs 64 syscalls per child.
  sigset_t empty, changed;
  sigemptyset(&empty);
  sigemptyset(&changed);
  for (int sig : kResetSignals) sigaddset(&changed, sig);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &changed);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string token = spawn_token();
  auto env_add = spec.env;
  env_add.emplace_back(kSpawnTokenVar, token);
  std::vector<std::string> env_strings = merged_env(env_add);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  // Held from before the program exists until it is listed, so kill_all_children() never misses
  // a program that has started.
  std::unique_lock<std::mutex> lock = lock_running_programs();
  // If `flow` dies right after starting the program, the supervisor still finds it by its
  // token. This also starts the supervisor before the first program.
  announce_start_locked(token);
  pid_t pid = 0;
  int rc;
  if (spec.landlock_ruleset < 0) {
    rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  } else {
    std::string program = find_program(spec.argv[0]);
    rc = program.empty() ? ENOENT
                         : fork_confined(spec, program, argv.data(), envp.data(), in_fd, out_fd,
                                         err_fd, &pid);
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    announce_failed_start_locked(token);
    *error = "cannot run " + spec.argv[0] + ": " + std::strerror(rc);
    return 0;
  }
  add_running_locked(pid, token, spec.record_dir);
  return pid;
}

// After the program is gone, how long to keep reading output that someone else (a daemon it
// started) still holds open: long after a normal exit, briefly after a kill.
constexpr int kDrainAfterKillMs = 200;

struct Watch {
  int in = -1, out = -1, err = -1;
  bool exited = false;  // the program is a zombie now (seen, not reaped)
  bool lost = false;    // it was reaped behind our back: its group may not be ours any more
};

// Past the timeout, or on a cancel request: SIGTERM to the group, then SIGKILL once the grace
// period is over. `kill_at` is -1 until the first signal, INT64_MAX after the last.
void stop_when_due(const SubprocessSpec& spec, Cancel* cancel, pid_t pid, int64_t start,
                   int64_t now, int64_t& kill_at, SubprocessResult* r) {
  if (kill_at < 0) {
    bool cancelled = cancel && cancel->requested();
    if (cancelled || (spec.timeout_ms > 0 && now - start >= spec.timeout_ms)) {
      (cancelled ? r->cancelled : r->timed_out) = true;
      ::killpg(pid, SIGTERM);
      kill_at = now + spec.kill_grace_ms;
    }
  }
  if (kill_at >= 0 && now >= kill_at) {
    ::killpg(pid, SIGKILL);
    kill_at = INT64_MAX;
  }
}

// One ready pipe: writes more of stdin, or reads output; closes a pipe that is done.
void service(const SubprocessSpec& spec, int fd, Watch& w, size_t& written,
             std::vector<char>& buf, SubprocessResult* r) {
  if (fd == w.in) {
    ssize_t put = ::write(w.in, spec.stdin_text.data() + written,
                          spec.stdin_text.size() - written);
    if (put > 0) written += static_cast<size_t>(put);
    if (put < 0 && errno != EAGAIN && errno != EINTR) written = spec.stdin_text.size();
    if (written == spec.stdin_text.size()) {
      ::close(w.in);
      w.in = -1;
    }
    return;
  }
  ssize_t got = ::read(fd, buf.data(), buf.size());
  if (got > 0) {
    std::string& to = fd == w.out ? r->out : r->err;
    size_t keep = static_cast<size_t>(got);
    if (spec.max_output) keep = std::min(keep, spec.max_output - std::min(spec.max_output, to.size()));
    to.append(buf.data(), keep);
    r->dropped += static_cast<size_t>(got) - keep;
  } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
    ::close(fd);
    (fd == w.out ? w.out : w.err) = -1;
  }
}

// The poll loop: feeds stdin, collects output, notices the exit (without reaping), and
// enforces the timeout and the cancel request. Returns when the program has exited and its
// output is drained (or the drain time is over), or on an error. Closes the pipes.
void watch(const SubprocessSpec& spec, Cancel* cancel, pid_t pid, Watch& w, SubprocessResult* r) {
  if (w.in >= 0) set_nonblock(w.in);
  // A pidfd becomes readable when the child exits, so one poll() waits for output, stdin space
  // and exit together. Without pidfd support we poll waitid every 5 ms.
  int pid_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  size_t written = 0;
  const int64_t start = steady_now_ms();
  int64_t kill_at = -1, drain_until = -1;
  std::vector<char> buf(65536);
  for (;;) {
    const int64_t now = steady_now_ms();
    if (!w.exited) stop_when_due(spec, cancel, pid, start, now, kill_at, r);
    if (w.exited) {
      bool short_drain = kill_at >= 0 || (cancel && cancel->requested());
      int64_t until = now + (short_drain ? kDrainAfterKillMs : spec.drain_ms);
      drain_until = drain_until < 0 ? until : std::min(drain_until, until);
      if ((w.out < 0 && w.err < 0) || now >= drain_until) break;
    }
    pollfd fds[4];
    int n = 0;
    if (w.in >= 0) fds[n++] = {w.in, POLLOUT, 0};
    if (w.out >= 0) fds[n++] = {w.out, POLLIN, 0};
    if (w.err >= 0) fds[n++] = {w.err, POLLIN, 0};
    if (!w.exited && pid_fd >= 0) fds[n++] = {pid_fd, POLLIN, 0};
    // Wake at least every 100 ms to notice a cancel request or a deadline.
    int64_t wait = (!w.exited && pid_fd < 0) ? 5 : 100;
    if (drain_until >= 0) wait = std::max<int64_t>(0, std::min(wait, drain_until - now));
    if (::poll(fds, static_cast<nfds_t>(n), static_cast<int>(wait)) < 0) {
      if (errno == EINTR) continue;
      // Never a silent success: the caller kills the group and reports this.
      r->error = "cannot watch " + spec.argv[0] + ": poll: " + std::strerror(errno);
      break;
    }
    if (!w.exited) {
      siginfo_t info = {};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
        w.exited = info.si_pid == pid;
      } else if (errno != EINTR) {
        r->error = "lost track of " + spec.argv[0] + ": waitid: " + std::strerror(errno);
        w.lost = true;
        break;
      }
    }
    for (int i = 0; i < n; ++i)
      if (fds[i].revents && fds[i].fd != pid_fd) service(spec, fds[i].fd, w, written, buf, r);
  }
  for (int* fd : {&w.in, &w.out, &w.err})
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
  if (pid_fd >= 0) ::close(pid_fd);
}

}  // namespace

SubprocessResult run_subprocess(const SubprocessSpec& spec, Cancel* cancel) {
  // Writing a prompt to a child that exited early must be an error, not the end of us.
  static const bool sigpipe_ignored = (::signal(SIGPIPE, SIG_IGN), true);
  (void)sigpipe_ignored;
  link_supervisor();
  SubprocessResult r;
  if (spec.argv.empty()) {
    r.error = "empty command";
    return r;
  }
  // Only the pipes that are needed: most command steps take no stdin and merge stderr, and
  // every saved syscall counts when running 10,000 of them. All are close-on-exec, so a child
  // started by another thread at the same moment never holds them open.
  const bool want_in = !spec.stdin_text.empty(), want_err = !spec.merge_stderr;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if ((want_in && ::pipe2(in, O_CLOEXEC) != 0) || ::pipe2(out, O_CLOEXEC) != 0 ||
      (want_err && ::pipe2(err, O_CLOEXEC) != 0)) {
    r.error = std::string("cannot create pipes: ") + std::strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      if (fd >= 0) ::close(fd);
    return r;
  }
  const pid_t pid = spawn(spec, in[0], out[1], err[1], &r.error);
  for (int fd : {in[0], out[1], err[1]})
    if (fd >= 0) ::close(fd);
  if (pid == 0) {
    for (int fd : {in[1], out[0], err[0]})
      if (fd >= 0) ::close(fd);
    return r;
  }
  r.started = true;
  Watch w;
  w.in = in[1];
  w.out = out[0];
  w.err = err[0];
  watch(spec, cancel, pid, w, &r);
  // Not reaped yet (unless lost), so the group id is still this program's.
  if (!w.lost && (r.timed_out || r.cancelled || !r.error.empty() || spec.kill_leftovers))
    ::killpg(pid, SIGKILL);
  forget_running(pid);
  int status = 0;
  pid_t reaped;
  while ((reaped = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (reaped != pid) {
    if (r.error.empty()) r.error = "lost track of " + spec.argv[0] + ": waitpid: " + std::strerror(errno);
    return r;
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  return r;
}

std::string tail_of(const std::string& text, size_t max_lines, size_t max_bytes) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  size_t start = end, lines = 0;
  while (start > 0) {
    if (text[start - 1] == '\n' && ++lines == max_lines) break;
    if (end - (start - 1) > max_bytes) break;
    --start;
  }
  return text.substr(start, end - start);
}

std::string describe_exit(const SubprocessResult& r, int timeout_ms) {
  if (!r.started || !r.error.empty()) return r.error;
  if (r.timed_out) return fmt::format("timed out after {:g}s", timeout_ms / 1000.0);
  if (r.cancelled) return "interrupted";
  if (r.term_signal) return "killed by signal " + std::to_string(r.term_signal);
  return "exit " + std::to_string(r.exit_code);
}

}  // namespace flow::rt

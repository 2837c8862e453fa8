#include "runtime/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace flow::rt {
namespace {

int64_t now_ms() {
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

}  // namespace

SubprocessResult run_subprocess(const SubprocessSpec& spec, Cancel* cancel) {
  // Writing a prompt to a child that exited early must be an error, not the end of us.
  static const bool sigpipe_ignored = (::signal(SIGPIPE, SIG_IGN), true);
  (void)sigpipe_ignored;
  SubprocessResult r;
  if (spec.argv.empty()) {
    r.error = "empty command";
    return r;
  }
  // Only the pipes that are needed: most command steps take no stdin and merge stderr, and
  // every saved syscall counts when running 10,000 of them.
  const bool want_in = !spec.stdin_text.empty(), want_err = !spec.merge_stderr;
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if ((want_in && ::pipe2(in_pipe, O_CLOEXEC) != 0) || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      (want_err && ::pipe2(err_pipe, O_CLOEXEC) != 0)) {
    r.error = std::string("cannot create pipes: ") + std::strerror(errno);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
      if (fd >= 0) ::close(fd);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (want_in) posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, want_err ? err_pipe[1] : out_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (so killpg reaches grandchildren); default signal dispositions and an
  // empty mask, since our threads block SIGINT/SIGTERM for the signal thread.
  // Only the signals we change need resetting (SIGPIPE is ignored here; exec resets handlers);
  // resetting all 64 costs 64 syscalls per child.
  sigset_t empty, changed;
  sigemptyset(&empty);
  sigemptyset(&changed);
  sigaddset(&changed, SIGPIPE);
  sigaddset(&changed, SIGINT);
  sigaddset(&changed, SIGTERM);
  sigaddset(&changed, SIGXFSZ);  // flow ignores it (run.cc); children get the default back
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &changed);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = merged_env(spec.env);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  for (int fd : {in_pipe[0], out_pipe[1], err_pipe[1]})
    if (fd >= 0) ::close(fd);
  if (rc != 0) {
    r.error = "cannot run " + spec.argv[0] + ": " + std::strerror(rc);
    for (int fd : {in_pipe[1], out_pipe[0], err_pipe[0]})
      if (fd >= 0) ::close(fd);
    return r;
  }
  r.started = true;

  int in_fd = in_pipe[1], out_fd = out_pipe[0], err_fd = err_pipe[0];
  if (in_fd >= 0) set_nonblock(in_fd);
  size_t written = 0;
  // A pidfd becomes readable when the child exits, so one poll() waits for output, stdin
  // space and exit together. Without pidfd support we fall back to polling waitpid.
  int pid_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  const int64_t start = now_ms();
  int64_t kill_at = -1;  // when SIGKILL is due after a SIGTERM
  bool reaped = false;
  int status = 0;
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0 || !reaped) {
    bool stop = (cancel && cancel->requested()) ||
                (spec.timeout_ms > 0 && now_ms() - start >= spec.timeout_ms);
    if (stop && kill_at < 0) {
      if (cancel && cancel->requested()) r.cancelled = true;
      else r.timed_out = true;
      ::killpg(pid, SIGTERM);
      kill_at = now_ms() + spec.kill_grace_ms;
    }
    if (kill_at >= 0 && now_ms() >= kill_at) {
      ::killpg(pid, SIGKILL);
      kill_at = INT64_MAX;
    }
    pollfd fds[4];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (!reaped && pid_fd >= 0) fds[n++] = {pid_fd, POLLIN, 0};
    // Wake at least every 100 ms to notice a cancel request or a deadline.
    int wait = (!reaped && pid_fd < 0) ? 5 : 100;
    if (::poll(fds, static_cast<nfds_t>(n), wait) < 0 && errno != EINTR) break;
    if (!reaped) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) reaped = true;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
      if (fd == pid_fd) continue;
      if (fd == in_fd) {
        ssize_t w = ::write(in_fd, spec.stdin_text.data() + written,
                            spec.stdin_text.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = spec.stdin_text.size();
        if (written == spec.stdin_text.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got > 0) {
        (fd == out_fd ? r.out : r.err).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        ::close(fd);
        (fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
  if (pid_fd >= 0) ::close(pid_fd);
  if (r.timed_out || r.cancelled) ::killpg(pid, SIGKILL);
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
  if (!r.started) return r.error;
  if (r.timed_out) return fmt::format("timed out after {:g}s", timeout_ms / 1000.0);
  if (r.cancelled) return "interrupted";
  if (r.term_signal) return "killed by signal " + std::to_string(r.term_signal);
  return "exit " + std::to_string(r.exit_code);
}

}  // namespace flow::rt

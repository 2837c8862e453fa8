// run_subprocess with real child processes: exit statuses that are never lost, descriptors that
// do not leak, daemons that keep a pipe open, the group records and kill_all_children.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "runtime/processes/proc_track.h"
#include "runtime/store/run_store.h"
#include "runtime/processes/subprocess.h"
#include "runtime/testing.h"

using namespace flow::rt;
using flow::read_file;

namespace {

// Bounds on time here are a third of the 30 s the programs would otherwise last: far from
// what a loaded machine can add, so they fail only when the wait was not cut short.
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool alive(pid_t pid) {
  ProcStat st;
  return read_proc_stat(pid, &st) && st.state != 'Z' && st.state != 'X';
}

// Waits until `path` holds a whole line; returns it as a pid.
pid_t read_pid(const std::string& path) {
  std::string text;
  for (int i = 0; i < 500 && !(read_file(path, &text) && !text.empty() && text.back() == '\n'); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return text.empty() ? 0 : static_cast<pid_t>(std::stoi(text));
}

}  // namespace

TEST_CASE("an ignored SIGCHLD does not turn a failure into a success") {
  // The disposition is inherited from whoever started us; with it the kernel reaps children
  // by itself and waitpid() has no status to give.
  struct sigaction old = {}, ign = {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ign, &old);
  SubprocessSpec sp;
  sp.argv = {"/bin/sh", "-c", "sleep 0.2; exit 3"};
  SubprocessResult r = run_subprocess(sp, nullptr);
  sigaction(SIGCHLD, &old, nullptr);
  CHECK_FALSE(r.ok());
  CHECK(describe_exit(r, 0).find("lost track of /bin/sh") == 0);
}

TEST_CASE("a descriptor opened without O_CLOEXEC does not reach the child") {
  int leaked = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  REQUIRE(leaked > 2);
  SubprocessSpec sp;
  std::string fd = std::to_string(leaked);
  sp.argv = {"/bin/sh", "-c", "if [ -e /proc/$$/fd/" + fd + " ]; then echo leaked; else echo clean; fi"};
  SubprocessResult r = run_subprocess(sp, nullptr);
  ::close(leaked);
  CHECK(r.ok());
  CHECK(r.out == "clean\n");
}

TEST_CASE("a daemon holding stdout after a normal exit delays the result by the drain only") {
  testing::TempDir tmp;
  SubprocessSpec sp;
  // setsid: out of the program's process group, like a real daemon.
  sp.argv = {"/bin/sh", "-c", "setsid sh -c 'echo $$ > " + tmp.path + "/pid; exec sleep 30' & echo hi"};
  sp.drain_ms = 300;
  auto t0 = std::chrono::steady_clock::now();
  SubprocessResult r = run_subprocess(sp, nullptr);
  double secs = seconds_since(t0);
  CHECK(r.ok());
  CHECK(r.out == "hi\n");
  CHECK(secs < 10);
  pid_t daemon = read_pid(tmp.path + "/pid");
  if (daemon > 0) ::kill(daemon, SIGKILL);
}

TEST_CASE("a daemon holding stdout does not stretch a timeout") {
  testing::TempDir tmp;
  SubprocessSpec sp;
  sp.argv = {"/bin/sh", "-c", "setsid sh -c 'echo $$ > " + tmp.path + "/pid; exec sleep 30' & sleep 30"};
  sp.timeout_ms = 500;
  auto t0 = std::chrono::steady_clock::now();
  SubprocessResult r = run_subprocess(sp, nullptr);
  double secs = seconds_since(t0);
  CHECK(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(secs < 10);
  pid_t daemon = read_pid(tmp.path + "/pid");
  if (daemon > 0) ::kill(daemon, SIGKILL);
}

TEST_CASE("a running group is recorded while it runs and the record removed after") {
  testing::TempDir tmp;
  SubprocessSpec sp;
  // The program runs until the test has seen the record (or 30 s pass), however slow the
  // machine: the record is looked for while the program certainly runs.
  sp.argv = {"/bin/sh", "-c",
             "echo $$ > " + tmp.path + "/pid; i=0; while [ ! -e " + tmp.path +
                 "/go ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done"};
  sp.record_dir = tmp.path;
  SubprocessResult r;
  std::thread runner([&] { r = run_subprocess(sp, nullptr); });
  pid_t child = read_pid(tmp.path + "/pid");
  ProcStat st;
  REQUIRE(read_proc_stat(child, &st));
  std::string record;
  // The supervisor writes the record as soon as it is told the program started, whole or not
  // at all: a record that exists is complete.
  for (int i = 0; i < 2000 && !read_file(group_record_path(tmp.path, st.pgrp), &record); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::string error;
  CHECK(write_file_atomic(tmp.path + "/go", "", false, &error));
  runner.join();
  CHECK(r.ok());
  CHECK(st.pgrp == child);  // the program leads its group
  CHECK(record.find(" " + std::to_string(child) + " " + std::to_string(st.start_ticks) + " ") !=
        std::string::npos);
  // The supervisor removes it once told the program ended.
  std::string gone;
  for (int i = 0; i < 100 && read_file(group_record_path(tmp.path, st.pgrp), &gone); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(read_file(group_record_path(tmp.path, st.pgrp), &gone));
}

TEST_CASE("kill_all_children kills every running group at once") {
  testing::TempDir tmp;
  SubprocessSpec sp;
  // Ignores SIGTERM: only the SIGKILL of kill_all_children ends it quickly.
  sp.argv = {"/bin/sh", "-c", "trap '' TERM; echo $$ > " + tmp.path + "/pid; sleep 30"};
  SubprocessResult r;
  std::thread runner([&] { r = run_subprocess(sp, nullptr); });
  pid_t child = read_pid(tmp.path + "/pid");
  REQUIRE(child > 0);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(kill_all_children() == 1);
  runner.join();
  CHECK(seconds_since(t0) < 10);
  CHECK_FALSE(r.ok());
  CHECK(r.term_signal == SIGKILL);
  CHECK_FALSE(alive(child));
}

TEST_CASE("leftover groups are killed only when they are verifiably ours") {
  testing::TempDir tmp;
  auto start = [](const char* cmd) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::execl("/bin/sh", "sh", "-c", cmd, static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  };
  pid_t ours = start("exec sleep 30"), stranger = start("exec sleep 30");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  record_group(tmp.path, ours, ours);
  ProcStat st;
  REQUIRE(read_proc_stat(stranger, &st));
  // A record naming the stranger's pid with another start time: the pid was reused.
  std::string err;
  REQUIRE(write_file(group_record_path(tmp.path, stranger),
                     std::to_string(stranger) + " " + std::to_string(st.start_ticks + 1) + " " +
                         std::to_string(stranger) + " " + std::to_string(st.start_ticks + 1) +
                         " " + boot_id() + "\n",
                     &err));
  std::vector<LeftoverGroup> killed = kill_leftover_groups(tmp.path);
  REQUIRE(killed.size() == 1);
  CHECK(killed[0].pgid == ours);
  int status = 0;
  CHECK(::waitpid(ours, &status, 0) == ours);
  CHECK(WIFSIGNALED(status));
  CHECK(alive(stranger));
  ::kill(-stranger, SIGKILL);  // the group: nothing may hold the test's output open
  ::waitpid(stranger, &status, 0);
  std::string text;
  CHECK_FALSE(read_file(group_record_path(tmp.path, ours), &text));
  CHECK_FALSE(read_file(group_record_path(tmp.path, stranger), &text));
}

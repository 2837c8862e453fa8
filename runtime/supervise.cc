#include "runtime/supervise.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "runtime/proc_track.h"

namespace flow::rt {
namespace {

struct Group {
  pid_t pgid = 0;
  uint64_t start = 0;  // the leader's start time
  std::string record;  // "" or the record file
};

// The leader is still the process that was started (a zombie counts: it still holds the id).
bool leader_is_ours(const Group& g) {
  ProcStat st;
  return read_proc_stat(g.pgid, &st) && st.start_ticks == g.start && st.pgrp == g.pgid;
}

bool leader_running(const Group& g) {
  ProcStat st;
  return read_proc_stat(g.pgid, &st) && st.start_ticks == g.start && st.state != 'Z' &&
         st.state != 'X';
}

void apply_line(const std::string& line, std::vector<Group>* groups) {
  if (line.size() < 2) return;
  pid_t pgid = static_cast<pid_t>(std::atoll(line.c_str() + 1));
  if (pgid <= 1) return;
  if (line[0] == '+') {
    Group g;
    g.pgid = pgid;
    ProcStat st;
    if (!read_proc_stat(pgid, &st)) return;  // already gone
    g.start = st.start_ticks;
    size_t space = line.find(' ');
    std::string dir = space == std::string::npos ? "-" : line.substr(space + 1);
    if (dir != "-") {
      record_group(dir, pgid, pgid);
      g.record = group_record_path(dir, pgid);
    }
    groups->push_back(std::move(g));
  } else if (line[0] == '-') {
    for (size_t i = 0; i < groups->size(); ++i)
      if ((*groups)[i].pgid == pgid) {
        if (!(*groups)[i].record.empty()) ::unlink((*groups)[i].record.c_str());
        groups->erase(groups->begin() + static_cast<long>(i));
        break;
      }
  }
}

[[noreturn]] void supervise(int grace_ms) {
  // Nothing but the socket: no descriptor `flow` let through, and no terminal.
  ::syscall(SYS_close_range, kSupervisorFd + 1, ~0U, 0);
  for (int fd : {0, 1, 2}) ::close(fd);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  std::vector<Group> groups;
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(kSupervisorFd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // `flow` is gone
    pending.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      apply_line(pending.substr(0, nl), &groups);
      pending.erase(0, nl + 1);
    }
  }
  for (const Group& g : groups)
    if (leader_is_ours(g)) ::killpg(g.pgid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  for (const Group& g : groups)
    while (leader_running(g) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const Group& g : groups) {
    if (leader_is_ours(g)) ::killpg(g.pgid, SIGKILL);
    if (!g.record.empty()) ::unlink(g.record.c_str());
  }
  _exit(0);
}

// Taken before main(): glibc passes argc and argv to constructors of the executable.
__attribute__((constructor)) void supervisor_entry(int argc, char** argv, char**) {
  if (argc == 3 && std::strcmp(argv[1], kSuperviseArg) == 0) supervise(std::atoi(argv[2]));
}

}  // namespace

void link_supervisor() {}

}  // namespace flow::rt

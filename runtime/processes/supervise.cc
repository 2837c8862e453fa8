#include "runtime/processes/supervise.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/processes/proc_track.h"

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

// What the supervisor knows: the running groups, and the tokens of programs announced ("?")
// but not yet named ("+").
struct Known {
  std::vector<Group> groups;
  std::set<std::string> unnamed;
};

void add_group(pid_t pgid, const std::string& rest, Known* known) {
  size_t space = rest.find(' ');  // rest: "TOKEN DIR"
  known->unnamed.erase(rest.substr(0, space));
  Group g;
  g.pgid = pgid;
  ProcStat st;
  if (!read_proc_stat(pgid, &st)) return;  // already gone
  g.start = st.start_ticks;
  std::string dir = space == std::string::npos ? "-" : rest.substr(space + 1);
  if (dir != "-") {
    record_group(dir, pgid, pgid);
    g.record = group_record_path(dir, pgid);
  }
  known->groups.push_back(std::move(g));
}

void remove_group(pid_t pgid, Known* known) {
  auto& groups = known->groups;
  for (size_t i = 0; i < groups.size(); ++i)
    if (groups[i].pgid == pgid) {
      if (!groups[i].record.empty()) ::unlink(groups[i].record.c_str());
      groups.erase(groups.begin() + static_cast<long>(i));
      return;
    }
}

void apply_line(const std::string& line, Known* known) {
  if (line.size() < 2) return;
  if (line[0] == '?') known->unnamed.insert(line.substr(1));
  if (line[0] == '!') known->unnamed.erase(line.substr(1));
  if (line[0] != '+' && line[0] != '-') return;
  pid_t pgid = static_cast<pid_t>(std::atoll(line.c_str() + 1));
  if (pgid <= 1) return;
  size_t space = line.find(' ');
  if (line[0] == '+') add_group(pgid, space == std::string::npos ? "" : line.substr(space + 1), known);
  else remove_group(pgid, known);
}

std::string read_environ(pid_t pid) {
  std::string text;
  int fd = ::open(("/proc/" + std::to_string(pid) + "/environ").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buf[8192];
  for (ssize_t n; text.size() < (1u << 20) && (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// The groups led by a process whose environment holds one of the unnamed tokens: programs
// `flow` started but died before naming. Found ones leave `known->unnamed`.
void find_unnamed(Known* known) {
  DIR* d = ::opendir("/proc");
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atoll(e->d_name));
    ProcStat st;
    if (known->unnamed.empty()) break;
    if (pid <= 1 || !read_proc_stat(pid, &st) || st.pgrp != pid || st.state == 'Z') continue;
    std::string env = read_environ(pid);
    for (auto it = known->unnamed.begin(); it != known->unnamed.end(); ++it) {
      std::string entry = std::string(kSpawnTokenVar) + "=" + *it;
      size_t at = env.find(entry);
      bool whole = at != std::string::npos && (at == 0 || env[at - 1] == '\0') &&
                   (at + entry.size() == env.size() || env[at + entry.size()] == '\0');
      if (!whole) continue;
      known->groups.push_back({pid, st.start_ticks, ""});
      known->unnamed.erase(it);
      break;
    }
  }
  ::closedir(d);
}

// The token of a "+PGID TOKEN DIR" line.
std::string token_of(const std::string& start_line) {
  size_t from = start_line.find(' ');
  if (from == std::string::npos) return "";
  size_t to = start_line.find(' ', from + 1);
  return start_line.substr(from + 1, to == std::string::npos ? std::string::npos : to - from - 1);
}

// The complete lines of `pending`, consumed. A program that started and ended within one batch
// needs neither a /proc read nor a record file, so its lines are dropped (its "?" line too, or
// it is withdrawn with "!" when that came in an earlier batch).
std::vector<std::string> take_lines(std::string* pending) {
  std::vector<std::string> lines;
  std::unordered_map<std::string, size_t> started;    // pgid -> index of its "+" line
  std::unordered_map<std::string, size_t> announced;  // token -> index of its "?" line
  size_t start = 0;
  for (size_t nl; (nl = pending->find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = pending->substr(start, nl - start);
    if (line.size() < 2) continue;
    std::string pgid = line.substr(1, line.find(' ') - 1);
    auto it = started.find(pgid);
    if (line[0] == '-' && it != started.end()) {
      std::string token = token_of(lines[it->second]);
      auto q = announced.find(token);
      if (q != announced.end()) lines[q->second].clear();
      lines[it->second] = q != announced.end() ? "" : "!" + token;
      started.erase(it);
      continue;
    }
    if (line[0] == '+') started[pgid] = lines.size();
    if (line[0] == '?') announced[line.substr(1)] = lines.size();
    lines.push_back(std::move(line));
  }
  pending->erase(0, start);
  return lines;
}

// How long the supervisor lets lines pile up between reads. Waking it twice per program made
// thousands of short programs measurably slower; this bounds its wake-ups to 50 a second, and
// delays noticing that `flow` died by at most as long.
constexpr auto kBatchInterval = std::chrono::milliseconds(20);

[[noreturn]] void supervise(int grace_ms) {
  // Nothing but the socket: no descriptor `flow` let through, and no terminal.
  ::syscall(SYS_close_range, kSupervisorFd + 1, ~0U, 0);
  for (int fd : {0, 1, 2}) ::close(fd);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  Known known;
  std::string pending;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(kSupervisorFd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // `flow` is gone
    pending.append(buf, static_cast<size_t>(n));
    for (const std::string& line : take_lines(&pending)) apply_line(line, &known);
    std::this_thread::sleep_for(kBatchInterval);
  }
  if (!known.unnamed.empty()) {
    find_unnamed(&known);
    // A program may not have reached exec yet (its environment is still flow's): look again.
    if (!known.unnamed.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    find_unnamed(&known);
  }
  const std::vector<Group>& groups = known.groups;
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

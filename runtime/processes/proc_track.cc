#include "runtime/processes/proc_track.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

std::string read_small(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buf[1024];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

struct Record {
  pid_t leader = 0, child = 0;
  uint64_t leader_start = 0, child_start = 0;
  std::string boot;
};

bool parse_record(const std::string& text, Record* r) {
  std::istringstream in(text);
  long long leader = 0, child = 0;
  if (!(in >> leader >> r->leader_start >> child >> r->child_start >> r->boot)) return false;
  r->leader = static_cast<pid_t>(leader);
  r->child = static_cast<pid_t>(child);
  return leader > 1 && child > 1;
}

// The process is the one in the record: same start time, alive, still in the group.
bool still_ours(pid_t pid, uint64_t start, pid_t pgid) {
  ProcStat st;
  return read_proc_stat(pid, &st) && st.start_ticks == start && st.pgrp == pgid &&
         st.state != 'Z' && st.state != 'X';
}

}  // namespace

bool read_proc_stat(pid_t pid, ProcStat* out) {
  std::string stat = read_small("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');  // the command name may contain spaces and parentheses
  if (paren == std::string::npos) return false;
  std::istringstream in(stat.substr(paren + 1));
  std::string field;
  for (int i = 3; in >> field; ++i) {  // fields are numbered from 1; the state is field 3
    if (i == 3) out->state = field.empty() ? '?' : field[0];
    if (i == 5) out->pgrp = static_cast<pid_t>(std::atoll(field.c_str()));
    if (i == 22) {
      out->start_ticks = std::strtoull(field.c_str(), nullptr, 10);
      return true;
    }
  }
  return false;
}

std::string boot_id() {
  static const std::string id = [] {  // read once: the supervisor records many groups
    std::string text = read_small("/proc/sys/kernel/random/boot_id");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text.empty() ? std::string("unknown") : text;
  }();
  return id;
}

std::string group_record_path(const std::string& dir, pid_t leader) {
  return dir + "/" + std::to_string(leader);
}

void record_group(const std::string& dir, pid_t leader, pid_t child) {
  ProcStat l, c;
  read_proc_stat(leader, &l);
  if (child == leader) c = l;
  else read_proc_stat(child, &c);
  std::string line = std::to_string(leader) + " " + std::to_string(l.start_ticks) + " " +
                     std::to_string(child) + " " + std::to_string(c.start_ticks) + " " +
                     boot_id() + "\n";
  // Written whole or not at all, so a reader (a resumed run, a test) never sees an empty or
  // half-written record. Not made durable: the record matters only while the processes live,
  // and they do not outlive a power loss. The file is created 0600 and a link planted at the
  // path is replaced, never followed. A record that cannot be written is let go: the supervisor
  // still acts on the group.
  std::string error;
  write_file_atomic(group_record_path(dir, leader), line, false, &error);
}

std::vector<LeftoverGroup> kill_leftover_groups(const std::string& dir) {
  std::vector<LeftoverGroup> killed;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return killed;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  ::closedir(d);
  const std::string boot = boot_id();
  for (const std::string& name : names) {
    std::string path = dir + "/" + name;
    Record r;
    if (parse_record(read_small(path), &r) && r.boot == boot) {
      // The agent itself, or else the supervisor that leads its group.
      pid_t verified = still_ours(r.child, r.child_start, r.leader)    ? r.child
                       : still_ours(r.leader, r.leader_start, r.leader) ? r.leader
                                                                         : 0;
      if (verified && ::kill(-r.leader, SIGKILL) == 0) killed.push_back({r.leader, verified});
    }
    ::unlink(path.c_str());
  }
  // An orphan is not our child, so it cannot be waited for: watch it disappear instead.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (const LeftoverGroup& g : killed) {
    ProcStat st;
    while (read_proc_stat(g.pid, &st) && st.state != 'Z' && st.state != 'X' &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return killed;
}

}  // namespace flow::rt

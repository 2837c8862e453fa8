#pragma once
// Records of the process groups a run has started, one small file per group in the run's
// `procs/` directory, so that `flow resume` can kill what a crashed run left behind — and only
// that: a group is killed only when a process in the record is still the very process that was
// started (same pid, same start time since boot, same boot, still in the group).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flow::rt {

struct ProcStat {
  char state = '?';
  pid_t pgrp = 0;
  uint64_t start_ticks = 0;  // start time since boot, in clock ticks (/proc/PID/stat field 22)
};

// Reads /proc/PID/stat. False when there is no such process.
bool read_proc_stat(pid_t pid, ProcStat* out);
// This boot's id (/proc/sys/kernel/random/boot_id), "" when unknown.
std::string boot_id();

// Writes DIR/LEADER: "LEADER LEADER_START CHILD CHILD_START BOOT_ID". Errors are ignored: the
// record is a safety net, and the supervisor already kills the group when flow dies.
void record_group(const std::string& dir, pid_t leader, pid_t child);
std::string group_record_path(const std::string& dir, pid_t leader);

struct LeftoverGroup {
  pid_t pgid = 0;
  pid_t pid = 0;  // the verified process in it
};

// Kills (SIGKILL) every recorded group that is verifiably still ours, waits up to a second for
// the verified processes to be gone, and removes every record. Returns the groups it killed.
std::vector<LeftoverGroup> kill_leftover_groups(const std::string& dir);

}  // namespace flow::rt

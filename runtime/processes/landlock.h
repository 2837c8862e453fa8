#pragma once
// Write scopes the kernel enforces: Landlock (Linux 5.13 and later) lets a process give up,
// for itself and everything it starts, the right to write outside a set of files and
// directories. flow gives it up in the child it starts for an agent call, before the agent's
// program runs, so a write outside the agent's `writes` fails with EACCES at the moment it is
// tried, whatever tool or shell the agent uses. docs/runtime.md, "Write scopes".
#include <string>
#include <vector>

namespace flow::rt {

// The Landlock ABI of the running kernel; 0 when there is none (an old kernel, Landlock not
// enabled at boot) or when the environment says FLOW_LANDLOCK=off (to test the fallback).
int landlock_abi();
// Why landlock_abi() is 0, for the user.
std::string landlock_missing();

// Where a sandboxed program may write, by absolute path.
struct WriteGrants {
  std::vector<std::string> dirs;   // the directory and everything beneath it
  std::vector<std::string> files;  // existing files, written in place (not removed or renamed)
};

// A Landlock ruleset that forbids every write but those `grants` allow: a file descriptor to
// hand to restrict_self() in the child, or -1 with `error` set. A path that does not exist (any
// more) is left out. The caller closes the descriptor.
int make_write_ruleset(const WriteGrants& grants, std::string* error);

// In a child between fork() and exec(): restricts the process (and all it will start) to the
// ruleset. Only async-signal-safe calls. 0, or the errno of the call that failed.
int restrict_self(int ruleset_fd);

}  // namespace flow::rt

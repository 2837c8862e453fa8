#pragma once
// Which files an agent call may change, checked after the call: a snapshot of the working tree
// before and after, and the union of the write scopes of every step that ran meanwhile (steps
// running in parallel share the tree, so a file counts as theirs if any of them may write it).
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace flow::rt {

// Where a step may write: anywhere (no scope declared, or a `run` command), nowhere (no writing
// tool), or inside glob patterns relative to the current directory.
struct WriteScope {
  bool anywhere = false;
  std::vector<std::string> globs;  // when !anywhere; empty = nowhere
};

// The scope of an agent: `tools` nullopt-like flag `tools_given` false means the CLI's default
// set, which writes. Writing tools: Write, Edit, MultiEdit, NotebookEdit, Bash.
WriteScope agent_write_scope(bool tools_given, const std::vector<std::string>& tools,
                             const std::vector<std::string>& writes);

struct FileStamp {
  int64_t size = 0, mtime_ns = 0, ctime_ns = 0;
  uint64_t inode = 0;
  uint32_t mode = 0;
  bool operator==(const FileStamp&) const = default;
};
using TreeSnapshot = std::map<std::string, FileStamp>;  // path relative to the root

// Every file and symlink under `root`, skipping the directories named in `skip` (relative
// paths, e.g. ".git", ".flow") at any depth of their own path only.
TreeSnapshot snapshot_tree(const std::string& root, const std::set<std::string>& skip);
// The same for the directories `dirs` only (relative to `root`; "" is `root` itself).
TreeSnapshot snapshot_dirs(const std::string& root, const std::vector<std::string>& dirs,
                           const std::set<std::string>& skip);
// Files added, removed or changed between the two, sorted.
std::vector<std::string> changed_files(const TreeSnapshot& before, const TreeSnapshot& after);

// Steps running now and the scopes that overlapped each one's run. Thread-safe.
class ScopeTracker {
 public:
  int begin(const WriteScope& scope);
  // The union of the step's own scope and every scope that ran while it did; ends the step.
  WriteScope end(int token);

 private:
  std::mutex mu_;
  int next_ = 1;
  std::map<int, WriteScope> active_, seen_;
};

// The files of `changed` that no glob of `scope` matches (none when it is `anywhere`).
std::vector<std::string> outside_scope(const std::vector<std::string>& changed, const WriteScope& scope);

}  // namespace flow::rt

#include "runtime/processes/write_scope.h"

#include <dirent.h>
#include <sys/stat.h>

#include "ir/glob.h"

namespace flow::rt {
namespace {

bool writing_tool(const std::string& t) {
  return t == "Write" || t == "Edit" || t == "MultiEdit" || t == "NotebookEdit" || t == "Bash";
}

void merge(WriteScope& into, const WriteScope& from) {
  if (from.anywhere) into.anywhere = true;
  for (const std::string& g : from.globs) into.globs.push_back(g);
}

void walk(const std::string& root, const std::string& rel, const std::set<std::string>& skip,
          TreeSnapshot& out) {
  std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (skip.count(path)) continue;
    struct stat st;
    if (lstat((root + "/" + path).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      walk(root, path, skip, out);
      continue;
    }
    FileStamp s;
    s.size = st.st_size;
    s.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    s.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
    s.inode = st.st_ino;
    s.mode = st.st_mode;
    out[path] = s;
  }
  closedir(d);
}

}  // namespace

WriteScope agent_write_scope(bool tools_given, const std::vector<std::string>& tools,
                             const std::vector<std::string>& writes) {
  WriteScope s;
  bool writes_files = !tools_given;
  for (const std::string& t : tools) writes_files = writes_files || writing_tool(t);
  if (!writes_files) return s;  // nowhere
  if (writes.empty()) s.anywhere = true;
  else s.globs = writes;
  return s;
}

TreeSnapshot snapshot_tree(const std::string& root, const std::set<std::string>& skip) {
  TreeSnapshot out;
  walk(root, "", skip, out);
  return out;
}

TreeSnapshot snapshot_dirs(const std::string& root, const std::vector<std::string>& dirs,
                           const std::set<std::string>& skip) {
  TreeSnapshot out;
  for (const std::string& d : dirs) walk(root, d, skip, out);
  return out;
}

std::vector<std::string> changed_files(const TreeSnapshot& before, const TreeSnapshot& after) {
  std::vector<std::string> out;
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      out.push_back((b++)->first);  // removed
    } else if (b == before.end() || a->first < b->first) {
      out.push_back((a++)->first);  // added
    } else {
      if (!(a->second == b->second)) out.push_back(a->first);
      ++a;
      ++b;
    }
  }
  return out;
}

int ScopeTracker::begin(const WriteScope& scope) {
  std::lock_guard<std::mutex> lock(mu_);
  int token = next_++;
  WriteScope seen = scope;
  for (auto& [t, other] : active_) {
    merge(seen_[t], scope);  // the new step overlaps every running one, and they it
    merge(seen, other);
  }
  active_[token] = scope;
  seen_[token] = std::move(seen);
  return token;
}

WriteScope ScopeTracker::end(int token) {
  std::lock_guard<std::mutex> lock(mu_);
  WriteScope out = std::move(seen_[token]);
  seen_.erase(token);
  active_.erase(token);
  return out;
}

std::vector<std::string> outside_scope(const std::vector<std::string>& changed,
                                       const WriteScope& scope) {
  std::vector<std::string> out;
  if (scope.anywhere) return out;
  for (const std::string& f : changed) {
    bool inside = false;
    for (const std::string& g : scope.globs) {
      std::string_view pattern = g;
      if (pattern.substr(0, 2) == "./") pattern.remove_prefix(2);
      inside = inside || glob_matches(pattern, f);
    }
    if (!inside) out.push_back(f);
  }
  return out;
}

}  // namespace flow::rt

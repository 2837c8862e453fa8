#include "runtime/processes/scope_sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace flow::rt {
namespace {

// The paths made for calls and how many running calls use each: a directory or file one call
// made must outlive every other call that needs it.
struct MadeRegistry {
  std::mutex mu;
  std::map<std::string, int> users;
};
MadeRegistry& made_registry() {
  static MadeRegistry* const r = new MadeRegistry;  // kept until exit: calls may outlive main
  return *r;
}

bool exists(const std::string& path, struct stat* st) { return ::lstat(path.c_str(), st) == 0; }

// Makes `path` (a directory, or an empty file when `file`) and each missing directory above it
// inside `tree`, recording each in `made` (outermost first) and in the registry; a path another
// call made is used, not made again. False with `error` when one cannot be made.
bool make_for_call(const std::string& tree, const std::string& rel, bool file, ScopeSandbox* out,
                   std::string* error) {
  MadeRegistry& reg = made_registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  std::string path = tree;
  size_t from = 0;
  while (from <= rel.size()) {
    size_t slash = rel.find('/', from);
    if (slash == std::string::npos) slash = rel.size();
    path += "/" + rel.substr(from, slash - from);
    const bool last = slash == rel.size();
    struct stat st;
    auto it = reg.users.find(path);
    if (it != reg.users.end()) {
      ++it->second;
      out->made.push_back(path);
    } else if (!exists(path, &st)) {
      int rc = last && file ? ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)
                            : ::mkdir(path.c_str(), 0755);
      if (rc < 0) {
        *error = "cannot make " + path + " for the agent's write scope: " + std::strerror(errno);
        return false;
      }
      if (last && file) ::close(rc);
      reg.users[path] = 1;
      out->made.push_back(path);
    }
    from = slash + 1;
  }
  return true;
}

int remove_entry(const char* path, const struct stat*, int, FTW*) { return ::remove(path); }

std::string real_path(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (!r) return p;
  std::string out = r;
  std::free(r);
  return out;
}

bool below(const std::string& inner, const std::string& outer) {
  return inner == outer || (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
                            (outer == "/" || inner[outer.size()] == '/'));
}

// The agent's TMPDIR: a fresh directory when the usual one holds the tree (a new file there
// could not be allowed without allowing the tree).
bool private_tmpdir(const std::string& tree, ScopeSandbox* out, std::string* error) {
  const char* env = std::getenv("TMPDIR");
  std::string tmp = real_path(env && *env ? env : "/tmp");
  if (below(tmp, tree)) {  // inside the tree: allowed as it is
    out->grants.dirs.push_back(tmp);
    return true;
  }
  if (!below(tree, tmp)) return true;  // beside the tree: allowed with everything outside it
  std::string templ = tmp + "/flow-agent-XXXXXX";
  if (!::mkdtemp(templ.data())) {
    *error = "cannot make a temporary directory for the agent in " + tmp + ": " + std::strerror(errno);
    return false;
  }
  out->tmpdir = templ;
  out->grants.dirs.push_back(templ);
  return true;
}

}  // namespace

PatternReach pattern_reach(std::string p) {
  while (p.compare(0, 2, "./") == 0) p.erase(0, 2);
  PatternReach r;
  size_t from = 0;
  while (from <= p.size()) {
    size_t slash = std::min(p.find('/', from), p.size());
    std::string seg = p.substr(from, slash - from);
    if (seg.find('*') != std::string::npos) {  // the only wildcard of `writes` globs
      r.whole_dir = seg == "**" && slash == p.size();
      return r;
    }
    r.dir += (r.dir.empty() ? "" : "/") + seg;
    from = slash + 1;
  }
  r.exact = true;
  return r;
}

std::vector<std::string> outside_tree(const std::string& tree) {
  std::vector<std::string> out;
  std::string dir = "/";
  size_t from = 1;
  while (from < tree.size()) {
    size_t slash = std::min(tree.find('/', from), tree.size());
    std::string next = tree.substr(from, slash - from);
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || name == next) continue;
        std::string path = (dir == "/" ? "/" : dir + "/") + name;
        struct stat st;
        if (exists(path, &st) && !S_ISLNK(st.st_mode)) out.push_back(path);
      }
      ::closedir(d);
    }
    dir = (dir == "/" ? "/" : dir + "/") + next;
    from = slash + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool plan_sandbox(const WriteScope& scope, const std::string& tree, bool git, ScopeSandbox* out,
                  std::string* error) {
  out->grants.dirs = outside_tree(tree);
  if (!private_tmpdir(tree, out, error)) return false;
  struct stat st;
  if (git && exists(tree + "/.git", &st))
    (S_ISDIR(st.st_mode) ? out->grants.dirs : out->grants.files).push_back(tree + "/.git");
  for (const std::string& g : scope.globs) {
    PatternReach r = pattern_reach(g);
    const std::string path = r.dir.empty() ? tree : tree + "/" + r.dir;
    if (r.exact && exists(path, &st) && S_ISDIR(st.st_mode)) {
      out->grants.dirs.push_back(path);  // a directory named exactly: only the name matches
      out->check.push_back(r.dir);
      continue;
    }
    if (!r.dir.empty() && !make_for_call(tree, r.dir, r.exact, out, error)) return false;
    if (r.exact) {
      out->grants.files.push_back(path);
      continue;
    }
    out->grants.dirs.push_back(path);
    if (!r.whole_dir) out->check.push_back(r.dir);
  }
  return true;
}

void end_sandbox(const ScopeSandbox& sandbox) {
  {
    MadeRegistry& reg = made_registry();
    std::lock_guard<std::mutex> lock(reg.mu);
    for (auto it = sandbox.made.rbegin(); it != sandbox.made.rend(); ++it) {  // innermost first
      auto user = reg.users.find(*it);
      if (user == reg.users.end() || --user->second > 0) continue;
      reg.users.erase(user);
      struct stat st;
      if (!exists(*it, &st)) continue;
      if (S_ISDIR(st.st_mode)) ::rmdir(it->c_str());  // fails, as it should, when not empty
      else if (S_ISREG(st.st_mode) && st.st_size == 0) ::unlink(it->c_str());
    }
  }
  if (!sandbox.tmpdir.empty())
    ::nftw(sandbox.tmpdir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace flow::rt

#include "runtime/tools/tool_paths.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

namespace flow::rt {
namespace {

std::atomic<bool> use_openat2{true};
constexpr int kMaxLinks = 40;

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string trim_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The part of absolute `path` below `dir`, or false when it does not start there.
bool below(const std::string& path, const std::string& dir, std::string* rest) {
  if (dir.empty()) return false;
  if (path == dir) return *rest = "", true;
  std::string prefix = dir == "/" ? dir : dir + "/";
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  *rest = path.substr(prefix.size());
  return true;
}

std::string real_dir(const std::string& dir) {
  char buf[PATH_MAX];
  return ::realpath(dir.c_str(), buf) ? std::string(buf) : std::string();
}

// An absolute path (given or a link target) inside the working directory, made relative.
bool inside(const std::string& abs, const std::string& work_dir, const std::string& real_root,
            std::string* rest) {
  return below(abs, trim_slashes(work_dir), rest) || below(abs, real_root, rest);
}

struct Walk {
  std::vector<std::string> done;     // real components so far
  std::deque<std::string> todo;      // components still to resolve
  bool missing = false;              // a component did not exist: the rest is taken as written
  int links = 0;
};

std::string outside_message(const std::string& path) {
  return path + ": outside the working directory; give a path inside it (relative paths start "
                "there)";
}

// One component that exists on disk or not; follows a symlink by queueing its target.
bool step(int root, const std::string& comp, Walk& w, const std::string& work_dir,
          const std::string& real_root, const std::string& path, std::string* error) {
  std::vector<std::string> next = w.done;
  next.push_back(comp);
  std::string rel = join(next);
  struct stat st;
  if (::fstatat(root, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return w.missing = true, w.done = std::move(next), true;
    *error = path + ": " + (errno == ENOTDIR ? std::string("a parent is not a directory")
                                             : std::strerror(errno));
    return false;
  }
  if (!S_ISLNK(st.st_mode)) return w.done = std::move(next), true;
  if (++w.links > kMaxLinks) return *error = path + ": too many levels of symbolic links", false;
  char target[PATH_MAX];
  ssize_t n = ::readlinkat(root, rel.c_str(), target, sizeof target - 1);
  if (n < 0) return *error = path + ": " + std::strerror(errno), false;
  std::string t(target, static_cast<size_t>(n));
  if (!t.empty() && t[0] == '/') {
    std::string rest;
    if (!inside(t, work_dir, real_root, &rest)) {
      *error = outside_message(path) + " (" + rel + " is a symbolic link to " + t + ")";
      return false;
    }
    w.done.clear();
    t = rest;
  }
  std::vector<std::string> parts = split(t);
  w.todo.insert(w.todo.begin(), parts.begin(), parts.end());
  return true;
}

}  // namespace

void set_openat2_enabled(bool enabled) { use_openat2 = enabled; }

bool resolve_tool_path(const std::string& work_dir, const std::string& path, ToolPath* out,
                       std::string* error) {
  if (path.empty()) return *error = "the path is empty", false;
  if (path.find('\0') != std::string::npos) return *error = "the path holds a NUL byte", false;
  if (path.size() >= PATH_MAX) return *error = "the path is too long", false;
  const std::string real_root = real_dir(work_dir);
  if (real_root.empty()) return *error = "the working directory is not accessible", false;
  std::string rel = path;
  if (path[0] == '/' && !inside(path, work_dir, real_root, &rel)) {
    *error = outside_message(path);
    return false;
  }
  int root = ::open(real_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return *error = "the working directory is not accessible", false;
  Walk w;
  for (std::string& c : split(rel)) w.todo.push_back(std::move(c));
  bool ok = true;
  while (ok && !w.todo.empty()) {
    std::string comp = std::move(w.todo.front());
    w.todo.pop_front();
    if (comp == ".") continue;
    if (comp == "..") {
      if (w.done.empty()) ok = false, *error = outside_message(path);
      else w.done.pop_back();
      continue;
    }
    if (w.missing) w.done.push_back(comp);
    else ok = step(root, comp, w, work_dir, real_root, path, error);
  }
  ::close(root);
  if (!ok) return false;
  out->rel = join(w.done);
  out->exists = !w.missing;
  return true;
}

int open_beneath(const std::string& work_dir, const std::string& rel, int flags, mode_t mode) {
  int root = ::open(work_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return -1;
  if (use_openat2) {
    open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    const char* p = rel.empty() ? "." : rel.c_str();
    int fd = static_cast<int>(::syscall(SYS_openat2, root, p, &how, sizeof how));
    if (fd >= 0 || errno != ENOSYS) {
      int saved = errno;
      ::close(root);
      errno = saved;
      return fd;
    }
  }
  // No openat2: every directory opened with O_NOFOLLOW, one component at a time. The path is
  // resolved already (no `..`, no symlinks), so a symlink met here was planted since: fail.
  std::vector<std::string> parts = split(rel);
  int dir = root;
  for (size_t i = 0; i + 1 < parts.size() && dir >= 0; ++i) {
    int next = ::openat(dir, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    ::close(dir);
    errno = saved;
    dir = next;
  }
  if (dir < 0) return -1;
  const char* last = parts.empty() ? "." : parts.back().c_str();
  int fd = ::openat(dir, last, flags | O_CLOEXEC | O_NOFOLLOW, mode);
  int saved = errno;
  ::close(dir);
  errno = saved;
  return fd;
}

bool make_parents_beneath(const std::string& work_dir, const std::string& rel, std::string* error) {
  std::vector<std::string> parts = split(rel);
  std::vector<std::string> prefix;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    int parent = open_beneath(work_dir, join(prefix), O_PATH | O_DIRECTORY, 0);
    if (parent < 0) return *error = join(prefix) + ": " + std::strerror(errno), false;
    int rc = ::mkdirat(parent, parts[i].c_str(), 0777);
    int saved = errno;
    ::close(parent);
    if (rc != 0 && saved != EEXIST) {
      *error = "cannot create directory " + join(prefix) + (prefix.empty() ? "" : "/") + parts[i] +
               ": " + std::strerror(saved);
      return false;
    }
    prefix.push_back(parts[i]);
  }
  return true;
}

}  // namespace flow::rt

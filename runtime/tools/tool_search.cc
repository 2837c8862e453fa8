// Glob and Grep: walk the regular files below a directory of the working tree, never through a
// symbolic link, skipping `.git`.
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <vector>

#include "ir/glob.h"
#include "runtime/tools/tool_impl.h"
#include "runtime/tools/tool_paths.h"

namespace flow::rt {
namespace {

struct FileEntry {
  std::string rel;       // relative to the working directory
  std::string below;     // relative to the searched directory
  int64_t mtime_ns = 0;
};

struct Walker {
  size_t visited = 0;
  bool capped = false;  // stopped after kWalkEntryCap entries
  // Returns false to stop the walk.
  std::function<bool(int dir_fd, const std::string& name, const FileEntry&)> on_file;

  void walk(int dir_fd, const std::string& rel, const std::string& below) {
    DIR* d = ::fdopendir(dir_fd);
    if (!d) return (void)::close(dir_fd);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != ".." && n != ".git") names.push_back(std::move(n));
    }
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
      if (capped || ++visited > kWalkEntryCap) return capped = true, (void)::closedir(d);
      struct stat st;
      if (::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      std::string r = rel.empty() ? n : rel + "/" + n, b = below.empty() ? n : below + "/" + n;
      if (S_ISDIR(st.st_mode)) {
        int sub = ::openat(::dirfd(d), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) walk(sub, r, b);
      } else if (S_ISREG(st.st_mode)) {
        FileEntry f{r, b, int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
        if (!on_file(::dirfd(d), n, f)) capped = true;
      }
    }
    ::closedir(d);
  }
};

// `{a,b}` alternatives expanded (the glob matcher knows only `*` and `**`).
std::vector<std::string> expand_braces(const std::string& p) {
  size_t open = p.find('{'), close = open == std::string::npos ? open : p.find('}', open);
  if (close == std::string::npos) return {p};
  std::vector<std::string> out;
  std::string body = p.substr(open + 1, close - open - 1);
  for (size_t start = 0;;) {
    size_t comma = body.find(',', start);
    for (std::string& rest : expand_braces(p.substr(close + 1)))
      out.push_back(p.substr(0, open) + body.substr(start, comma - start) + rest);
    if (comma == std::string::npos || out.size() > 64) break;
    start = comma + 1;
  }
  return out;
}

bool any_match(const std::vector<std::string>& globs, const std::string& path) {
  for (const std::string& g : globs)
    if (glob_matches(g, path)) return true;
  return false;
}

// The directory or file to search: `path` resolved (the working directory when empty).
bool search_root(const ToolEnv& env, const std::string& path, ToolPath* p, std::string* error) {
  if (path.empty()) return p->exists = true, true;
  if (!resolve_tool_path(env.work_dir, path, p, error)) return false;
  if (!p->exists) return *error = path + ": no such file or directory", false;
  return true;
}

}  // namespace

ToolOutcome tool_glob(const ToolEnv& env, const GlobInput& in) {
  std::string error, pattern = in.pattern;
  ToolPath base;
  if (!search_root(env, in.path, &base, &error)) return tool_error("Glob: " + error);
  if (pattern.empty()) return tool_error("Glob: the pattern is empty");
  if (pattern[0] == '/') {
    ToolPath p;  // an absolute pattern must lie inside; it is then relative to the directory
    std::string prefix = pattern.substr(0, pattern.find('*'));
    prefix = prefix.substr(0, prefix.rfind('/') + 1);
    if (!resolve_tool_path(env.work_dir, prefix, &p, &error)) return tool_error("Glob: " + error);
    base = p;
    pattern = pattern.substr(prefix.size());
  }
  if (("/" + pattern + "/").find("/../") != std::string::npos)
    return tool_error("Glob: the pattern may not contain `..`; set `path` instead");
  int fd = open_beneath(env.work_dir, base.rel, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return tool_error("Glob: " + (in.path.empty() ? "." : in.path) + ": " + std::strerror(errno));
  std::vector<std::string> globs = expand_braces(pattern);
  std::vector<FileEntry> found;
  Walker w;
  w.on_file = [&](int, const std::string&, const FileEntry& f) {
    if (any_match(globs, f.below)) found.push_back(f);
    return true;
  };
  w.walk(fd, base.rel, "");
  std::sort(found.begin(), found.end(), [](const FileEntry& a, const FileEntry& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns > b.mtime_ns : a.rel < b.rel;
  });
  if (found.empty()) return {"No files match " + in.pattern, false, ""};
  std::string out;
  for (size_t i = 0; i < found.size() && i < kGlobResultCap; ++i) out += found[i].rel + "\n";
  if (found.size() > kGlobResultCap)
    out += "[showing the " + std::to_string(kGlobResultCap) + " newest of " +
           std::to_string(found.size()) + " files; narrow the pattern or the path]\n";
  if (w.capped) out += "[stopped after " + std::to_string(kWalkEntryCap) + " entries; narrow the path]\n";
  return {out, false, ""};
}

namespace {

struct Regex {
  regex_t re;
  bool ok = false;
  ~Regex() {
    if (ok) ::regfree(&re);
  }
};

// What Grep collects, capped: output lines, files with matches, and the reasons it stopped.
struct GrepRun {
  const GrepInput& in;
  const regex_t& re;
  std::string out;
  size_t entries = 0, files = 0, skipped_binary = 0, skipped_big = 0;
  bool out_capped = false, head_capped = false, time_capped = false;
  std::chrono::steady_clock::time_point deadline;

  GrepRun(const GrepInput& in, const regex_t& re, int seconds)
      : in(in), re(re), deadline(std::chrono::steady_clock::now() + std::chrono::seconds(seconds)) {}

  bool add(const std::string& line) {
    if (in.head_limit > 0 && entries >= static_cast<size_t>(in.head_limit)) return head_capped = true, false;
    if (out.size() + line.size() + 1 > kToolOutputCap) return out_capped = true, false;
    out += line + "\n";
    ++entries;
    return true;
  }

  // Searches one file; false stops the search.
  bool file(int dir_fd, const std::string& name, const std::string& rel) {
    if (std::chrono::steady_clock::now() > deadline) return time_capped = true, false;
    Fd fd;
    fd.fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode)) return true;
    if (static_cast<size_t>(st.st_size) > kFileSizeCap) return ++skipped_big, true;
    std::string text(static_cast<size_t>(st.st_size), '\0');
    ssize_t n = ::pread(fd.fd, text.data(), text.size(), 0);
    if (n < 0) return true;
    text.resize(static_cast<size_t>(n));
    if (text.find('\0') != std::string::npos) return ++skipped_binary, true;
    size_t count = 0, line_no = 0;
    for (size_t start = 0; start < text.size();) {
      size_t end = std::min(text.find('\n', start), text.size());
      std::string line = text.substr(start, end - start);
      start = end + 1;
      ++line_no;
      if (::regexec(&re, line.c_str(), 0, nullptr, 0) != 0) continue;
      ++count;
      if (in.output_mode != "content") {
        if (in.output_mode == "files_with_matches") break;
        continue;
      }
      bool cut = false;
      std::string shown = utf8_capped(line, kGrepLineCap, &cut);
      if (cut) shown += " [line cut]";
      if (!add(rel + ":" + (in.line_numbers ? std::to_string(line_no) + ":" : "") + shown)) return false;
    }
    if (count) ++files;
    if (count && in.output_mode == "files_with_matches") return add(rel);
    if (count && in.output_mode == "count") return add(rel + ":" + std::to_string(count));
    return true;
  }

  std::string summary() const {
    std::string s = out.empty() ? "No matches\n" : out;
    if (head_capped) s += "[stopped at head_limit " + std::to_string(in.head_limit) + "]\n";
    if (out_capped) s += "[output cut at 100 KiB; narrow the pattern, path or glob]\n";
    if (time_capped) s += "[search stopped after 30 s; narrow the path or glob]\n";
    if (skipped_binary) s += "[" + std::to_string(skipped_binary) + " binary files not searched]\n";
    if (skipped_big) s += "[" + std::to_string(skipped_big) + " files over 16 MiB not searched]\n";
    return s;
  }
};

}  // namespace

ToolOutcome tool_grep(const ToolEnv& env, const GrepInput& in) {
  if (in.output_mode != "content" && in.output_mode != "files_with_matches" && in.output_mode != "count")
    return tool_error("Grep: output_mode must be \"content\", \"files_with_matches\" or \"count\"");
  if (in.pattern.find('\0') != std::string::npos) return tool_error("Grep: the pattern holds a NUL byte");
  Regex re;
  int rc = ::regcomp(&re.re, in.pattern.c_str(),
                     REG_EXTENDED | REG_NEWLINE | REG_NOSUB | (in.ignore_case ? REG_ICASE : 0));
  if (rc != 0) {
    char msg[256];
    ::regerror(rc, &re.re, msg, sizeof msg);
    return tool_error("Grep: bad regular expression (POSIX extended syntax): " + std::string(msg));
  }
  re.ok = true;
  std::string error;
  ToolPath base;
  if (!search_root(env, in.path, &base, &error)) return tool_error("Grep: " + error);
  GrepRun run(in, re.re, 30);
  int fd = open_beneath(env.work_dir, base.rel, O_RDONLY | O_NONBLOCK, 0);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return tool_error("Grep: " + in.path + ": " + error);
  }
  if (!S_ISDIR(st.st_mode)) {  // one file: search it through its directory
    ::close(fd);
    size_t slash = base.rel.rfind('/');
    std::string dir = slash == std::string::npos ? "" : base.rel.substr(0, slash);
    Fd d;
    d.fd = open_beneath(env.work_dir, dir, O_PATH | O_DIRECTORY, 0);
    if (d.fd >= 0) run.file(d.fd, base.rel.substr(slash + 1), base.rel);
    return {utf8_capped(run.summary(), kToolOutputCap + 1024), false, ""};
  }
  std::vector<std::string> globs = expand_braces(in.glob);
  bool by_name = in.glob.find('/') == std::string::npos;
  Walker w;
  w.on_file = [&](int dir_fd, const std::string& name, const FileEntry& f) {
    if (!in.glob.empty() && !any_match(globs, by_name ? name : f.below)) return true;
    return run.file(dir_fd, name, f.rel);
  };
  w.walk(fd, base.rel, "");
  std::string out = run.summary();
  if (w.capped && !run.out_capped && !run.head_capped && !run.time_capped)
    out += "[stopped after " + std::to_string(kWalkEntryCap) + " entries; narrow the path]\n";
  return {out, false, ""};
}

}  // namespace flow::rt

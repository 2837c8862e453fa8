#include "compiler/flowc_fmt.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "compiler/flowc_paths.h"
#include "compiler/unified_diff.h"
#include "lang/format.h"
#include "lang/parser.h"

namespace flow {

namespace {

constexpr int kExitClean = 0;
constexpr int kExitChanges = 1;
constexpr int kExitTrouble = 2;

std::string errno_text(int err) {
  std::string why = std::strerror(err);
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  return why;
}

bool write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Replaces `path` with `text` all at once: a temporary file in the same directory takes the
// text and the file's mode (and owner, when allowed), reaches the disk, and is renamed over the file. If anything fails
// (a full disk, say), the temporary file goes and the original is as it was.
bool replace_file(const std::string& path, const std::string& text, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target = fs::canonical(path, ec);  // through a symbolic link, to the file itself
  if (ec) target = path;
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    *error = fmt::format("cannot write '{}': {}", path, errno_text(errno));
    return false;
  }
  // Root may write anything, so the mode bits are asked too: a read-only file stays so.
  if (::access(target.c_str(), W_OK) != 0 || (st.st_mode & 0222) == 0) {
    *error = fmt::format("cannot write '{}': the file is read-only", path);
    return false;
  }
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".fmt-XXXXXX"))
                         .string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    *error = fmt::format("cannot write '{}': cannot create a file beside it: {}", path,
                         errno_text(errno));
    return false;
  }
  // The owner too, when allowed (root formatting someone's file must not make it root's).
  if (::fchown(fd, st.st_uid, st.st_gid) != 0) {
    // Not permitted to anyone but root; the file then belongs to whoever formats it.
  }
  bool ok = write_all(fd, text) && ::fchmod(fd, st.st_mode & 07777) == 0 && ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && ::rename(temp.c_str(), target.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(temp.c_str());
    *error = fmt::format("cannot write '{}': {}; the file is unchanged", path, errno_text(err));
  }
  return ok;
}

// One file (or `-`): its exit status.
int fmt_one(const std::string& path, const FmtOptions& options) {
  SourceMap sources;
  uint32_t id = 0;
  std::string error;
  if (!read_source(sources, path, id, error)) {
    std::cerr << "flowc: error: " << error << "\n";
    return kExitTrouble;
  }
  const SourceFile& file = sources.file(id);
  std::string formatted;
  if (!format_source(file.text, file.path, &formatted, &error)) {
    std::cerr << error << "\n"
              << fmt::format("  = help: the file was left unchanged; `flowc check {}` shows "
                             "every syntax error\n",
                             path);
    return kExitTrouble;
  }
  if (options.check || options.diff) {
    std::cout << unified_diff(file.text, formatted, file.path, file.path + " (formatted)");
    return options.check && formatted != file.text ? kExitChanges : kExitClean;
  }
  if (path == "-") {
    std::cout << formatted;
    return std::cout.flush() ? kExitClean : kExitTrouble;
  }
  if (formatted == file.text) return kExitClean;
  if (!replace_file(path, formatted, &error)) {
    std::cerr << "flowc: error: " << error << "\n";
    return kExitTrouble;
  }
  return kExitClean;
}

}  // namespace

int run_fmt(const std::vector<std::string>& args, const FmtOptions& options) {
  std::vector<std::string> files;
  if (std::string error; !expand_flow_paths(args, &files, &error)) {
    std::cerr << "flowc: error: " << error << "\n";
    return kExitTrouble;
  }
  int status = kExitClean;
  for (const std::string& f : files) status = std::max(status, fmt_one(f, options));
  std::cout.flush();
  return status;
}

}  // namespace flow

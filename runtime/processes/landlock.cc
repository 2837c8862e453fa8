#include "runtime/processes/landlock.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace flow::rt {
namespace {

// Rights of later ABIs than the system's headers may know.
constexpr uint64_t kRefer = 1ULL << 13;     // ABI 2
constexpr uint64_t kTruncate = 1ULL << 14;  // ABI 3

// Every right that changes the file system; reading and executing stay allowed everywhere.
uint64_t write_rights(int abi) {
  uint64_t r = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
               LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
               LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
               LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
               LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) r |= kRefer;
  if (abi >= 3) r |= kTruncate;
  return r;
}

// The rights that apply to a file itself (the others are rights on a directory's entries).
uint64_t file_rights(int abi) {
  return LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? kTruncate : 0);
}

int probe_abi() {
  const char* off = std::getenv("FLOW_LANDLOCK");
  if (off && std::strcmp(off, "off") == 0) return 0;
  long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return v > 0 ? static_cast<int>(v) : 0;
}

// Adds one path with `rights` (masked to what it can hold); false with `error` on a failure
// other than the path being gone.
bool add_path(int ruleset, const std::string& path, uint64_t rights, std::string* error) {
  int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno == ENOENT || errno == ENOTDIR || errno == ELOOP;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && S_ISLNK(st.st_mode)) {  // a link is not followed: it might lead into the tree
    ::close(fd);
    return true;
  }
  landlock_path_beneath_attr attr{};
  attr.allowed_access = S_ISDIR(st.st_mode) ? rights : rights & file_rights(landlock_abi());
  attr.parent_fd = fd;
  ok = ok && ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) *error = "cannot let the agent write " + path + ": " + std::strerror(err);
  return ok;
}

}  // namespace

int landlock_abi() {
  static const int abi = probe_abi();
  return abi;
}

std::string landlock_missing() {
  const char* off = std::getenv("FLOW_LANDLOCK");
  if (off && std::strcmp(off, "off") == 0) return "FLOW_LANDLOCK=off turns Landlock off";
  return "the kernel has no Landlock (Linux 5.13 or later, with Landlock enabled at boot)";
}

int make_write_ruleset(const WriteGrants& grants, std::string* error) {
  const int abi = landlock_abi();
  if (abi <= 0) {
    *error = "Landlock is not available";
    return -1;
  }
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = write_rights(abi);
  long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0) {
    *error = std::string("cannot create a Landlock ruleset: ") + std::strerror(errno);
    return -1;
  }
  int ruleset = static_cast<int>(fd);
  ::fcntl(ruleset, F_SETFD, FD_CLOEXEC);
  for (const std::string& d : grants.dirs)
    if (!add_path(ruleset, d, write_rights(abi), error)) return ::close(ruleset), -1;
  for (const std::string& f : grants.files)
    if (!add_path(ruleset, f, file_rights(abi), error)) return ::close(ruleset), -1;
  return ruleset;
}

int restrict_self(int ruleset_fd) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (::syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0) return errno;
  return 0;
}

}  // namespace flow::rt

#pragma once
// Paths the built-in tools touch, confined beneath the working directory. A path is resolved
// one component at a time without letting the kernel follow anything: `..` may not climb above
// the working directory, a symlink is followed only when its target (relative, or absolute
// inside the working directory) stays beneath it, and loops stop after 40 links. The result is
// the real path, free of symlinks, relative to the working directory; the file is then opened
// with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so a symlink planted after the check
// makes the open fail instead of leading outside. Kernels without openat2 get the same rule
// from openat(O_NOFOLLOW) one component at a time.
#include <sys/types.h>

#include <string>

namespace flow::rt {

struct ToolPath {
  std::string rel;      // real path relative to the working directory; "" is the directory itself
  bool exists = false;  // false: the last components do not exist (yet)
};

// `path` is relative to `work_dir`, or absolute inside it. False with *error (saying the path
// is outside the working directory, or why it cannot be resolved) otherwise.
bool resolve_tool_path(const std::string& work_dir, const std::string& path, ToolPath* out,
                       std::string* error);

// Opens `rel` (a resolved path) beneath `work_dir` following no symlink. -1 with errno set.
int open_beneath(const std::string& work_dir, const std::string& rel, int flags, mode_t mode);

// Creates the missing parent directories of `rel` beneath `work_dir`.
bool make_parents_beneath(const std::string& work_dir, const std::string& rel, std::string* error);

// Tests: false makes open_beneath use the openat fallback, as on a kernel without openat2.
void set_openat2_enabled(bool enabled);

}  // namespace flow::rt

#pragma once
// Finding the writes the kernel refused (landlock.h) in what an agent's programs printed: the
// kernel tells the program, not flow, so flow reads the error messages programs print for
// EACCES — a shell's "cannot create X: Permission denied" (zsh: "permission denied: X"),
// Node's "EACCES: permission denied, open 'X'", Python's "[Errno 13] Permission denied: 'X'".
#include <string>
#include <string_view>
#include <vector>

namespace flow::rt {

// The paths named in permission errors in `text`, as written there, each once, in order.
std::vector<std::string> permission_denied_paths(std::string_view text);

// `path` as seen from the working tree `tree` (absolute): relative to it when inside it
// ("src/a.c"), "" when outside. `path` may be relative (to the tree) or absolute.
std::string path_in_tree(const std::string& path, const std::string& tree);

}  // namespace flow::rt

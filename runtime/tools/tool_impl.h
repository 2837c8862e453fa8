#pragma once
// Inside the built-in tools (agent_tools.h): each tool's input, already taken out of the
// model's JSON by agent_tools.cc, and the function that runs it. One file per kind of tool:
// tool_files.cc (Read, Write, Edit), tool_search.cc (Glob, Grep), tool_bash.cc (Bash).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/backends/agent_tools.h"

namespace flow::rt {

// Caps on what goes back to the model; each outcome that hits one says so.
inline constexpr size_t kToolOutputCap = 100 * 1024;        // bytes of any tool's content
inline constexpr size_t kReadLineCap = 2000;                // characters shown of one line
inline constexpr int64_t kReadDefaultLimit = 2000;          // lines Read shows by default
inline constexpr size_t kFileSizeCap = 16 * 1024 * 1024;    // bytes Write/Edit/Grep handle
inline constexpr size_t kGlobResultCap = 100;               // paths Glob lists
inline constexpr size_t kGrepLineCap = 500;                 // characters of one matching line
inline constexpr size_t kWalkEntryCap = 200000;             // entries Glob/Grep visit
inline constexpr size_t kBashOutputCap = 30000;             // bytes of a command's output

struct ReadInput {
  std::string file_path;
  int64_t offset = 1;  // first line, 1-based
  int64_t limit = kReadDefaultLimit;
};
struct WriteInput {
  std::string file_path, content;
};
struct EditInput {
  std::string file_path, old_string, new_string;
  bool replace_all = false;
};
struct GlobInput {
  std::string pattern, path;
};
struct GrepInput {
  std::string pattern, path, glob;
  std::string output_mode = "files_with_matches";
  bool ignore_case = false, line_numbers = true;
  int64_t head_limit = 0;  // 0 = no limit beyond the output cap
};
struct BashInput {
  std::string command;
  std::optional<int64_t> timeout_ms;
};

ToolOutcome tool_read(const ToolEnv& env, const ReadInput& in);
ToolOutcome tool_write(const ToolEnv& env, const WriteInput& in);
ToolOutcome tool_edit(const ToolEnv& env, const EditInput& in);
ToolOutcome tool_glob(const ToolEnv& env, const GlobInput& in);
ToolOutcome tool_grep(const ToolEnv& env, const GrepInput& in);
ToolOutcome tool_bash(const ToolEnv& env, const BashInput& in);

// An open descriptor, closed when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
};

struct ToolPath;
// Opens the regular file at `rel` (resolved, tool_paths.h) with `flags`; a directory, FIFO or
// device is an error, not a hang.
bool open_regular(const ToolEnv& env, const std::string& rel, int flags, unsigned mode, Fd* fd,
                  std::string* error);
// Resolves `file_path` to an existing regular file and opens it.
bool open_existing(const ToolEnv& env, const std::string& file_path, int flags, ToolPath* p,
                   Fd* fd, std::string* error);

inline ToolOutcome tool_error(std::string content) { return {std::move(content), true, ""}; }

// `text` as valid UTF-8 (each byte that does not start a valid sequence becomes U+FFFD), cut
// to at most `cap` bytes on a character boundary; *cut tells whether it was cut.
std::string utf8_capped(std::string_view text, size_t cap, bool* cut = nullptr);

}  // namespace flow::rt

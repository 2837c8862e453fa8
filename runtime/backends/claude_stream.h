#pragma once
// Reading what `claude -p --output-format stream-json --verbose` prints: one JSON event per
// line, ending with a `result` event that holds the answer, the cost, the token usage and the
// tool calls the permission rules refused.
#include <string>
#include <vector>

#include "runtime/backends/backend.h"

namespace flow::rt {

struct ClaudeDenial {
  std::string tool;    // "Write", "Bash", ...
  std::string target;  // the file path, or the command; "" when the input names neither
};

struct ClaudeResult {
  bool found = false;     // a `result` event was read
  bool is_error = false;
  std::string subtype;    // "success", "error_max_turns", "error_during_execution", ...
  std::string text;       // the `result` field: the final answer
  AgentUsage usage;
  std::vector<ClaudeDenial> denials;
  std::string last_error;  // the text of the last api error or failed assistant turn, if any
  // The text of tool results that report a permission error, one per line block: where a
  // write the kernel refused shows (write_guard.h).
  std::string tool_errors;
};

// Parses the whole stdout of one call. Lines that are not JSON are ignored (the CLI prints
// none in this mode, but a wrapper might).
ClaudeResult parse_claude_stream(const std::string& out);

}  // namespace flow::rt

#pragma once
// The built-in tools an agent gets when flow itself talks to the model (the `anthropic` and
// `openai` backends): Claude Code's names and input fields, confined to the working directory
// and to the agent's write scope.
//
// Write and Edit check every path against `ToolEnv::scope` before writing. Bash cannot be
// checked file by file (a shell command may write anything under the working directory); the
// caller checks the tree after the call, as for the `claude` backend (write_scope.h).
#include <string>
#include <vector>

#include "runtime/engine/cancel.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

struct ToolSpec {
  std::string name;          // "Read", "Write", "Edit", "Glob", "Grep", "Bash"
  std::string description;   // for the model
  std::string input_schema;  // JSON Schema of the input object, as JSON text
};

bool is_builtin_tool(const std::string& name);
// The specs of the built-in tools among `names`, in the order given; other names are skipped
// (the caller reports them).
std::vector<ToolSpec> builtin_tool_specs(const std::vector<std::string>& names);

struct ToolEnv {
  std::string work_dir;          // absolute; no path a tool touches may resolve outside it
  WriteScope scope;              // where Write/Edit may write (globs relative to work_dir)
  int bash_timeout_ms = 120000;  // the call's own `timeout` input may only lower it
  Cancel* cancel = nullptr;
};

struct ToolOutcome {
  std::string content;   // what goes back to the model
  bool is_error = false; // sent back as an error result
  std::string refused;   // non-empty: the path (relative to work_dir) a write was refused for,
                         // because it lies outside the scope; the caller records an event
};

// Runs one tool call; `input_json` is the model's input object as JSON text. Never throws;
// bad input is an error outcome the model can read.
// Thread-safe: calls for different agents may run at once.
ToolOutcome run_builtin_tool(const ToolEnv& env, const std::string& name,
                             const std::string& input_json);

}  // namespace flow::rt

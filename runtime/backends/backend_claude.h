#pragma once
// The pieces of the `claude` backend that are pure functions, for tests: the permission flags
// an agent gets and the whole command line of one call.
#include <optional>
#include <string>
#include <vector>

#include "runtime/backends/backend.h"

namespace flow::rt {

// What the agent may do without being asked: `tools` (the --tools value; nullopt keeps the
// CLI's default set), `allowed` (--allowedTools rules) and `disallowed` (--disallowedTools).
// Writing tools of an agent with `writes` globs are allowed only inside them, as Edit(GLOB)
// rules; everything else that would ask for permission is denied (--permission-prompts none).
struct ClaudePermissions {
  std::optional<std::string> tools;
  std::vector<std::string> allowed, disallowed;
};
ClaudePermissions claude_permissions(const AgentRequest& req);

// The tools that change files and that `writes` scopes.
bool claude_writing_tool(const std::string& tool);

// The argument list of one call (after the program and the spec's extra arguments). False with
// *error set when the agent's fields cannot be honoured (e.g. acceptEdits with a write scope).
bool claude_arguments(const AgentRequest& req, const std::string& system_prompt_file,
                      std::vector<std::string>* args, std::string* error);

// The agent's `mcpServers` (IR JSON text: a list of server names and inline {name: definition}
// objects, or a mapping) as Claude Code's --mcp-config value: {"mcpServers": {...}} with the
// inline definitions ("" when there are none). `strict` (--strict-mcp-config, only these
// servers) unless the agent also names servers the user configured elsewhere.
struct McpConfig {
  std::string servers;
  bool strict = false;
};
McpConfig mcp_config(const std::string& mcp_servers);

// "2.1.330 (Claude Code)" → {2, 1, 330}; empty when it is not a version.
std::vector<int> parse_claude_version(const std::string& text);

}  // namespace flow::rt

#pragma once
// Claude Code subagent files: YAML frontmatter between `---` lines, then the prompt body.
// Real files are often not strict YAML (a `description:` holding `: ` and `<example>` tags on
// one long line); the loader accepts those the way Claude Code does.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

// Every field Claude Code documents for a subagent file (docs/language.md lists them). A field
// the file does not give keeps its "not given" value, so the IR can tell the two apart.
struct AgentFile {
  std::string name;         // required
  std::string description;  // required
  std::string model;        // "" when absent
  // nullopt: no `tools` field, which Claude Code reads as "every tool"; {}: `tools: []`.
  std::optional<std::vector<std::string>> tools;
  std::vector<std::string> disallowed_tools;
  std::string permission_mode;  // "" when absent; else one of kPermissionModes
  int max_turns = 0;            // 0 = not set
  std::vector<std::string> skills;
  std::string mcp_servers;  // the `mcpServers` list as compact JSON text; "" when absent
  std::string hooks;        // the `hooks` object as compact JSON text; "" when absent
  std::string memory, isolation, color, effort, initial_prompt;  // "" when absent
  bool background = false;
  std::string prompt;  // the body after the closing `---`, trimmed
  Span name_span;      // the `name:` line, for diagnostics about the agent
  Span tools_span;     // the `tools:` line (the start of the file when absent)
};

// The values Claude Code accepts for the enumerated fields.
inline constexpr const char* kPermissionModes[] = {"default", "acceptEdits", "auto", "dontAsk",
                                                   "bypassPermissions", "plan"};
inline constexpr const char* kMemoryScopes[] = {"user", "project", "local"};
inline constexpr const char* kIsolations[] = {"worktree"};
inline constexpr const char* kEfforts[] = {"low", "medium", "high", "xhigh", "max"};

// Parses a subagent file already held in `sources`. On success returns the agent; problems
// (missing fields, bad YAML, unknown keys as warnings) are appended to `diags` with spans
// into the file itself.
// `skipped`, when given, marks a file of an `agents from` directory, where other Markdown
// (a README) may sit beside the agents: a file with no frontmatter, or whose frontmatter has
// no `name` field, is not reported; `*skipped` says why it is not an agent file instead.
std::optional<AgentFile> parse_agent_file(const SourceMap& sources, uint32_t file_id,
                                          std::vector<Diagnostic>& diags,
                                          std::string* skipped = nullptr);

// A quoted frontmatter value whose closing quote is missing, or comes only after a line that
// starts the next `key:` field (which the value would silently swallow). Offsets are into the
// frontmatter text.
struct UnclosedQuote {
  size_t open = 0;            // the opening quote
  size_t swallowed = 0;       // the start of the swallowed field's line; npos when none
  std::string key;            // the field whose value is quoted
  std::string swallowed_key;  // "" when the quote is never closed and no field follows
};
std::optional<UnclosedQuote> find_unclosed_quote(std::string_view frontmatter);

// "Read, Grep,Glob" → {"Read", "Grep", "Glob"}; empty pieces dropped. Commas inside
// parentheses do not split: "Read, Agent(a, b)" → {"Read", "Agent(a, b)"}.
std::vector<std::string> split_tool_list(const std::string& text);

}  // namespace flow

#pragma once
// Claude Code subagent files: YAML frontmatter between `---` lines, then the prompt body.
// Real files are often not strict YAML (a `description:` holding `: ` and `<example>` tags on
// one long line); the loader accepts those the way Claude Code does.
#include <optional>
#include <string>
#include <vector>

#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

struct AgentFile {
  std::string name;         // required
  std::string description;  // required
  std::string model;        // "" when absent
  std::vector<std::string> tools;  // as listed; empty when absent
  bool has_tools = false;          // `tools` was present (even if empty)
  std::vector<std::string> disallowed_tools;
  std::string permission_mode;
  int max_turns = 0;  // 0 = not set
  std::string prompt;  // the body after the closing `---`, trimmed
  Span name_span;      // the `name:` line, for diagnostics about the agent
  Span tools_span;     // the `tools:` line (the start of the file when absent)
};

// Parses a subagent file already held in `sources`. On success returns the agent; problems
// (missing fields, bad YAML, unknown keys as warnings) are appended to `diags` with spans
// into the file itself.
std::optional<AgentFile> parse_agent_file(const SourceMap& sources, uint32_t file_id,
                                          std::vector<Diagnostic>& diags);

// "Read, Grep,Glob" → {"Read", "Grep", "Glob"}; empty pieces dropped.
std::vector<std::string> split_tool_list(const std::string& text);

}  // namespace flow

// Fuzz target: a Claude Code subagent file (frontmatter and markdown body) through the loader
// `agent NAME from "FILE"` and `agents from "DIR"` use, and its diagnostics rendered.
#include <string>
#include <vector>

#include "compiler/agent_file.h"
#include "fuzz/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  flow::SourceMap sources;
  uint32_t id = sources.add("agent.md", text);
  std::vector<flow::Diagnostic> diags;
  (void)flow::parse_agent_file(sources, id, diags);
  for (const flow::Diagnostic& d : diags) (void)flow::render_human(d, sources, false);
  (void)flow::split_tool_list(text);
  return 0;
}

// Fuzz target: `.flow` source text through everything `flowc check` does — parse, resolve,
// lower, every check, suppressions, and each output format — all in memory. A flow that checks
// without errors must also survive the trip `flowc compile` → `flow run`: its IR written as
// JSON must read back, validate, and write the same bytes again.
#include <string>
#include <vector>

#include "compiler/checks/checks.h"
#include "compiler/emit.h"
#include "compiler/ir_json.h"
#include "compiler/ir_validate.h"
#include "compiler/lower.h"
#include "compiler/resolve.h"
#include "compiler/suppress.h"
#include "fuzz/target.h"
#include "lang/parser.h"

namespace {

// Agent files and directories named by the input are pointed at a path that cannot exist, so
// the target reads nothing from the file system (an input naming /dev/zero would never end)
// while the "cannot read" paths are still taken. Imports are not followed at all.
void keep_off_disk(flow::ast::File& file) {
  for (flow::ast::AgentDecl& a : file.agents)
    if (a.from) a.from->value = "/nonexistent-flow-fuzz/agent.md";
  for (flow::ast::AgentsDecl& d : file.agent_dirs) d.dir.value = "/nonexistent-flow-fuzz/agents";
}

void check_ir_round_trip(const flow::ir::Flow& flow) {
  std::string text = flow::ir::to_json_text(flow);
  flow::ir::ReadResult back = flow::ir::from_json_text(text);
  if (!back.ok) fuzz_fail(("the IR of a checked flow does not read back: " + back.error).c_str());
  std::string problem;
  if (!flow::ir::validate(back.flow, &problem))
    fuzz_fail(("the IR of a checked flow does not validate: " + problem).c_str());
  if (flow::ir::to_json_text(back.flow) != text) fuzz_fail("the IR read back writes other bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flow::SourceMap sources;
  uint32_t id = sources.add("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  flow::ParseResult parsed = flow::parse(sources, id);
  std::vector<flow::Diagnostic> diags = std::move(parsed.diagnostics);
  flow::Program program;
  program.main_source = id;
  parsed.file.source = id;
  keep_off_disk(parsed.file);
  program.files.push_back(std::move(parsed.file));
  // As compile_file: a tree with syntax errors is not resolved.
  if (!flow::has_errors(diags)) {
    flow::resolve(sources, program, diags);
    flow::Lowered lowered = flow::lower(sources, program, diags);
    flow::run_checks(flow::CheckContext{sources, program, lowered, diags}, true);
    flow::apply_suppressions(sources, diags);
    if (!flow::has_errors(diags)) check_ir_round_trip(lowered.flow);
  }
  for (const flow::Diagnostic& d : diags) (void)flow::render_human(d, sources, true);
  std::vector<flow::Report> reports{{&sources, &diags}};
  (void)flow::emit_json(reports);
  (void)flow::emit_sarif(reports, "fuzz");
  (void)flow::emit_github(reports);
  return 0;
}

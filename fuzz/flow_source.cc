// Fuzz target: `.flow` source text through everything `flowc check` does — parse, resolve,
// lower, every check, suppressions, and each output format — all in memory. A flow that checks
// without errors must also survive the trip `flowc compile` → `flow run`: its IR written as
// JSON must read back, validate, and write the same bytes again. And `flowc fmt` must refuse
// exactly the texts with syntax errors, keep every token of the others, and be idempotent.
// Parsing in two halves on two threads, as a large file is, must give the same tree.
#include <string>
#include <vector>

#include "compiler/checks/checks.h"
#include "compiler/emit.h"
#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "compiler/lower.h"
#include "compiler/resolve.h"
#include "compiler/suppress.h"
#include "fuzz/target.h"
#include "lang/ast_dump.h"
#include "lang/format.h"
#include "lang/format_tokens.h"
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

// A token as the formatter may write it: """ strings with LF line ends, comments without
// trailing whitespace. Anything else must come out byte for byte.
std::string normalized(std::string_view text, const flow::format::Token& t) {
  std::string s(text.substr(t.begin, t.end - t.begin));
  if (t.kind == flow::format::TokenKind::Comment) s.erase(s.find_last_not_of(" \t\r") + 1);
  if (t.kind == flow::format::TokenKind::Raw)
    for (size_t i = s.find("\r\n"); i != std::string::npos; i = s.find("\r\n", i)) s.erase(i, 1);
  return s;
}

std::vector<std::string> token_texts(std::string_view text) {
  uint32_t from = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::vector<std::string> out;
  for (const flow::format::Token& t : flow::format::tokenize(text, from))
    out.push_back(normalized(text, t));
  return out;
}

void check_format(std::string_view text, bool syntax_errors) {
  std::string formatted, again, error;
  bool ok = flow::format_source(text, "fuzz.flow", &formatted, &error);
  if (ok == syntax_errors) fuzz_fail("fmt must refuse exactly the texts with syntax errors");
  if (!ok) return;
  if (token_texts(text) != token_texts(formatted)) fuzz_fail("fmt changed a token");
  if (!flow::format_source(formatted, "fuzz.flow", &again, &error))
    fuzz_fail(("fmt's output does not parse: " + error).c_str());
  if (again != formatted) fuzz_fail("formatting a formatted text changes it");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flow::SourceMap sources;
  uint32_t id = sources.add("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  flow::ParseResult parsed = flow::parse(sources, id);
  std::vector<flow::Diagnostic> diags = std::move(parsed.diagnostics);
  check_format(sources.file(id).text, flow::has_errors(diags));
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

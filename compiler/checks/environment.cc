// E0117: inputs and step outputs reach commands as environment variables named after them
// (ir::env_suffix). Two names that map to the same variable would hide one of them.
#include <unordered_map>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"

namespace flow {
namespace {

void report(const CheckContext& ctx, const char* what, const std::string& var,
            const std::string& a, const Span& a_span, const std::string& b, const Span& b_span) {
  Diagnostic d = make_diagnostic(
      "E0117", b_span,
      fmt::format("{} `{}` and `{}` both reach commands as `{}`", what, a, b, var));
  d.secondary.push_back({a_span, "the first"});
  d.help = fmt::format("rename one of them: names are upper-cased and `-` and `.` become `_`");
  ctx.diags.push_back(std::move(d));
}

}  // namespace

void check_environment(const CheckContext& ctx) {
  std::unordered_map<std::string, const ast::InputDecl*> inputs;
  for (const ast::InputDecl* in : ctx.program.inputs) {
    std::string var = "FLOW_INPUT_" + ir::env_suffix(in->name.name);
    auto [it, fresh] = inputs.emplace(var, in);
    if (!fresh && it->second->name.name != in->name.name)
      report(ctx, "inputs", var, it->second->name.name, it->second->name.span, in->name.name,
             in->name.span);
  }
  const std::vector<ir::Node>& nodes = ctx.lowered.flow.nodes;
  std::unordered_map<std::string, uint32_t> steps;
  for (const ir::Node& n : nodes) {
    if (n.kind == ir::NodeKind::Gate) continue;
    std::string var = "FLOW_OUTPUT_" + ir::env_suffix(n.name);
    auto [it, fresh] = steps.emplace(var, n.id);
    if (!fresh && nodes[it->second].name != n.name)
      report(ctx, "steps", var, nodes[it->second].name, ctx.lowered.node_spans[it->second],
             n.name, ctx.lowered.node_spans[n.id]);
  }
}

}  // namespace flow

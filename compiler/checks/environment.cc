// E0117: inputs and step outputs reach commands as environment variables named after them
// (ir::env_suffix). Two names that map to the same variable would hide one of them.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "compiler/name_index.h"

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

bool runs_a_command(const ir::Node& n) {
  if (n.kind() == ir::NodeKind::Command) return true;
  const ir::Gate* g = n.if_gate();
  return g && std::any_of(g->checks.begin(), g->checks.end(),
                     [](const ir::Check& c) { return c.kind == ir::Check::Kind::Command; });
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
  // Only commands see the outputs' variables: in a flow without any, two that collide mislead
  // nobody (and a large flow of agent steps need not build the names at all). Inputs are
  // compared always; `--input` names them too.
  if (!std::any_of(nodes.begin(), nodes.end(), runs_a_command)) return;
  NameIndex vars;               // the variables' suffixes, by id
  std::vector<uint32_t> first;  // per variable: the first node that has it
  for (const ir::Node& n : nodes) {
    if (n.kind() == ir::NodeKind::Gate) continue;
    bool fresh = false;
    uint32_t id = vars.insert(ir::env_suffix(n.name), &fresh);
    if (fresh) {
      first.push_back(n.id);
    } else if (nodes[first[id]].name != n.name) {
      report(ctx, "steps", "FLOW_OUTPUT_" + std::string(vars.name(id)), nodes[first[id]].name,
             ctx.lowered.node_spans[first[id]], n.name, ctx.lowered.node_spans[n.id]);
    }
  }
}

}  // namespace flow

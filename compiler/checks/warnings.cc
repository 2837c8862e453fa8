// Warnings: unused agents (W0100), empty blocks (W0101), `parallel` with one branch (W0102)
// and steps that can never run (W0103).
#include <algorithm>
#include <string>
#include <unordered_set>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"

namespace flow {
namespace {

// Agents named by a step or gate of `step`: also in stages that lowering left out (a stage
// declared twice is an error of its own; its agents are not unused for that).
void called_agents(const ast::Step& step, std::unordered_set<std::string>& out) {
  if (step.kind == ast::Step::Kind::Call) out.insert(step.agent.name);
  for (const ast::Gate& g : step.gates)
    if (g.kind == ast::Gate::Kind::Review || g.kind == ast::Gate::Kind::ReviewEach)
      out.insert(g.reviewer.name);
  for (const ast::Step& child : step.children) called_agents(child, out);
}

void check_unused(const CheckContext& ctx) {
  // A file without stages is a library of agents for others to import: nothing is unused.
  if (ctx.program.stages.empty()) return;
  auto may_be_unused = [&](const AgentDef& def) {
    return def.in_main_file && !def.from_dir && !ctx.lowered.referenced_agents.count(def.agent.name);
  };
  // Usually lowering has seen every agent called: then the walk over the syntax tree below,
  // one name per step, is not needed.
  if (std::none_of(ctx.program.agents.begin(), ctx.program.agents.end(), may_be_unused)) return;
  std::unordered_set<std::string> written;
  for (const ast::File& file : ctx.program.files)
    for (const ast::StageDecl& s : file.stages) called_agents(s.body, written);
  for (const AgentDef& def : ctx.program.agents) {
    if (!may_be_unused(def) || written.count(def.agent.name)) continue;
    Diagnostic d = make_diagnostic("W0100", def.span,
                                   fmt::format("agent `{}` is never used", def.agent.name));
    d.help = "call it from a stage or use it as a reviewer, or remove it";
    ctx.diags.push_back(std::move(d));
  }
}

void walk_blocks(const CheckContext& ctx, const ast::Step& step) {
  if (step.kind != ast::Step::Kind::Block) return;
  if (step.children.empty()) {
    Diagnostic d = make_diagnostic("W0101", step.span, "empty block");
    d.help = "remove it, or put steps in it";
    ctx.diags.push_back(std::move(d));
  } else if (step.block == ast::BlockKind::Parallel && step.children.size() == 1) {
    Diagnostic d = make_diagnostic("W0102", step.span, "`parallel` with one branch runs nothing in parallel");
    d.help = "drop `parallel`, or add the steps that should run beside it";
    ctx.diags.push_back(std::move(d));
  }
  for (const ast::Step& child : step.children) walk_blocks(ctx, child);
}

// `false`, `/bin/false`, `exit 3`: commands that fail whatever the input.
bool always_fails(std::string_view cmd) {
  auto b = cmd.find_first_not_of(" \t\n");
  if (b == std::string_view::npos) return false;
  cmd = cmd.substr(b, cmd.find_last_not_of(" \t\n") - b + 1);
  if (cmd == "false" || cmd == "/bin/false" || cmd == "/usr/bin/false") return true;
  if (cmd.rfind("exit", 0) != 0) return false;
  std::string_view code = cmd.substr(4);
  auto d = code.find_first_not_of(" \t");
  if (d == 0 || d == std::string_view::npos) return false;
  code = code.substr(d);
  return std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         code.find_first_not_of('0') != std::string_view::npos;
}

void check_unreachable(const CheckContext& ctx) {
  const ir::Flow& f = ctx.lowered.flow;
  std::vector<uint32_t> blocker(f.nodes.size(), UINT32_MAX);  // the failing node it waits for
  for (const ir::Node& n : f.nodes) {
    if (n.kind() == ir::NodeKind::Command && always_fails(n.command_run().command))
      blocker[n.id] = n.id;
    if (n.kind() == ir::NodeKind::Gate && n.gate().on_exhausted == ir::OnExhausted::Stop)
      for (const ir::Check& c : n.gate().checks)
        if (c.kind == ir::Check::Kind::Command && always_fails(c.command)) blocker[n.id] = n.id;
  }
  std::unordered_set<uint32_t> reported;
  // A failing node under `when` is skipped when its condition is false, and what waits for it
  // then runs: it blocks only the nodes that run under all of its conditions too.
  auto same = [](const ir::Condition& a, const ir::Condition& b) {
    return a.kind == b.kind && a.negated == b.negated && a.name == b.name && a.value == b.value &&
           a.nodes == b.nodes;
  };
  auto always_with = [&](const ir::Node& cause, const ir::Node& n) {
    return std::all_of(cause.when.begin(), cause.when.end(), [&](const std::string& w) {
             return std::find(n.when.begin(), n.when.end(), w) != n.when.end();
           }) &&
           std::all_of(cause.conditions.begin(), cause.conditions.end(),
                       [&](const ir::Condition& c) {
                         return std::any_of(n.conditions.begin(), n.conditions.end(),
                                            [&](const ir::Condition& m) { return same(c, m); });
                       });
  };
  for (const ir::Node& n : f.nodes) {
    for (uint32_t d : n.deps) {
      if (blocker[d] == UINT32_MAX || blocker[n.id] != UINT32_MAX) continue;
      uint32_t cause = blocker[d];
      if (!always_with(f.nodes[cause], n)) continue;
      blocker[n.id] = cause;  // what waits for this node is cut off too, but said once
      if (n.kind() == ir::NodeKind::Gate || !reported.insert(cause).second) continue;
      const ir::Node& c = f.nodes[cause];
      Diagnostic diag = make_diagnostic(
          "W0103", ctx.lowered.node_spans[n.id],
          fmt::format("step `{}` can never run: it waits for `{}`, which always fails", n.name,
                      c.name));
      diag.secondary.push_back({ctx.lowered.node_spans[cause], "this never succeeds"});
      diag.help = "fix or remove the command that always fails";
      ctx.diags.push_back(std::move(diag));
    }
  }
}

}  // namespace

void check_warnings(const CheckContext& ctx) {
  check_unused(ctx);
  for (const ast::StageDecl* s : ctx.program.stages) walk_blocks(ctx, s->body);
  check_unreachable(ctx);
}

}  // namespace flow

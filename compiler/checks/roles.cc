// Roles, as the backend pipeline's agents divide the work: workers write, coordinators
// coordinate (E0502, permissions.cc), reviewers judge.
//   E0505 an agent that judges work (a `review` gate's agent, or `role reviewer`) holds a
//         writing tool: it could change the work it passes
//   W0106 the same agent has no `tools` list, so it inherits every tool, writing ones too
//   W0105 an agent with `role reviewer` runs as a step of its own
#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"

namespace flow {
namespace {

// Per agent (Program::agents), the first gate that reviews with it; kNone for none.
std::vector<uint32_t> first_review(const CheckContext& ctx) {
  std::vector<uint32_t> out(ctx.program.agents.size(), kNone);
  for (uint32_t g = 0; g < ctx.lowered.gates.size(); ++g)
    for (const ir::Check& c : ctx.lowered.flow.nodes[ctx.lowered.gates[g].node].gate().checks) {
      // A review's agent indexes Program::agents as well as the flow's (kNoId: undeclared).
      if (c.kind == ir::Check::Kind::Review && c.agent < out.size() && out[c.agent] == kNone)
        out[c.agent] = g;
    }
  return out;
}

void reviewer_that_writes(const CheckContext& ctx, const AgentDef& def, uint32_t gate) {
  const ir::Agent& a = def.agent;
  const char* tool = writing_tool(a);
  if (!tool) return;
  std::string what = gate != kNone ? fmt::format("`{}` reviews work", a.name)
                                   : fmt::format("`{}` is a reviewer", a.name);
  // A writing tool given on purpose is an error; one inherited from the missing `tools` list
  // (Claude Code's default set) a warning, since the agent may never use it.
  Diagnostic d = a.tools
      ? make_diagnostic("E0505", def.tools_span,
                        fmt::format("{} but holds the writing tool `{}`", what, tool))
      : make_diagnostic("W0106", def.span,
                        fmt::format("{} but has no `tools` list, so it holds every tool, the "
                                    "writing tool `{}` among them", what, tool));
  if (gate != kNone) d.secondary.push_back({ctx.lowered.gates[gate].span, "it reviews here"});
  d.notes.push_back("a reviewer that can write can change the work it judges, and pass it");
  d.help = a.tools ? "give it only reading tools, such as `tools Read, Grep, Glob`, or review "
                     "with an agent that cannot write"
                   : "give it a `tools` list of reading tools, such as `tools Read, Grep, Glob`";
  ctx.diags.push_back(std::move(d));
}

}  // namespace

void check_roles(const CheckContext& ctx) {
  std::vector<uint32_t> review = first_review(ctx);
  for (uint32_t i = 0; i < ctx.program.agents.size(); ++i) {
    const AgentDef& def = ctx.program.agents[i];
    if (def.file_failed) continue;  // its tools are unknown: the file's error says why
    if (review[i] != kNone || def.agent.role == "reviewer") reviewer_that_writes(ctx, def, review[i]);
  }
  const std::vector<uint32_t>& node_agents = ctx.lowered.node_agents;
  for (uint32_t id = 0; id < node_agents.size(); ++id) {
    if (node_agents[id] == kNoAgent) continue;
    const ir::Agent& a = ctx.program.agents[node_agents[id]].agent;
    if (a.role != "reviewer") continue;
    Diagnostic d = make_diagnostic(
        "W0105", ctx.lowered.node_spans[id],
        fmt::format("`{}` is a reviewer but runs as a step", a.name));
    d.help = fmt::format("a reviewer judges other steps' work in `review {}`; to run it as a step "
                         "of its own, give it `role worker`",
                         a.name);
    ctx.diags.push_back(std::move(d));
  }
}

}  // namespace flow

// Permissions: what agents may write, and who may write at the same time.
//   E0500 two steps that may run at the same time may write the same path (concurrent_writes.cc)
//   E0501 an agent declares `writes` but holds no writing tool
//   E0502 a coordinator holds a writing tool
//   E0503 `rule AGENT writes only ...` is broken
//   E0506 `{item}` in the writes of an agent called without items
//   W0108 the items of a fan-out share a write scope
// An agent with writing tools but no `writes` patterns has not said where it writes; beside
// another writer it gets a warning (W0107, concurrent_writes.cc), not an error.
// An agent without a `tools` field holds every tool, as Claude Code gives it; `disallowedTools`
// takes tools away. `Bash(git log:*)` is Bash: what a pattern lets through can still write.
#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "ir/glob.h"
#include "compiler/suggest.h"

namespace flow {
namespace {

constexpr const char* kWriting[] = {"Write", "Edit", "MultiEdit", "NotebookEdit", "Bash"};

// "Bash(git log:*)" → "Bash".
std::string_view base_tool(std::string_view entry) {
  size_t paren = entry.find('(');
  std::string_view base = entry.substr(0, paren);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return base;
}

void check_agents(const CheckContext& ctx) {
  for (const AgentDef& def : ctx.program.agents) {
    const ir::Agent& a = def.agent;
    const char* tool = writing_tool(a);
    if (!a.writes.empty() && !tool) {
      Diagnostic d = make_diagnostic(
          "E0501", def.writes_span,
          fmt::format("agent `{}` declares `writes` but holds no writing tool", a.name));
      d.help = "add `Write` or `Edit` to its `tools`, or remove `writes`";
      ctx.diags.push_back(std::move(d));
    }
    if (a.role == "coordinator" && tool) {
      Diagnostic d = make_diagnostic(
          "E0502", def.tools_span,
          a.tools ? fmt::format("coordinator `{}` holds the writing tool `{}`", a.name, tool)
                  : fmt::format("coordinator `{}` has no `tools` list, so it holds every tool, "
                                "the writing tool `{}` among them",
                                a.name, tool));
      d.help = a.tools ? "a coordinator delegates; give the writing to a worker agent it calls"
                       : "give it a `tools` list without writing tools, such as Read, Grep, "
                         "Glob; a coordinator delegates writing to a worker agent it calls";
      ctx.diags.push_back(std::move(d));
    }
  }
}

bool names_item(const std::string& pattern) {
  return pattern.find(ir::kItemPlaceholder) != std::string::npos;
}

// A fan-out's items run at the same time: unless each writes a part of its own (`{item}` in
// every pattern), they may write the same files (W0108). `{item}` has no value in a step
// without items (E0506).
void check_fanout_writers(const CheckContext& ctx) {
  const ir::Flow& f = ctx.lowered.flow;
  std::vector<bool> told(ctx.program.agents.size());
  for (uint32_t id = 0; id < ctx.lowered.node_agents.size(); ++id) {
    uint32_t agent = ctx.lowered.node_agents[id];
    if (agent == kNoAgent) continue;
    const ir::Agent& a = ctx.program.agents[agent].agent;
    const ir::Node& n = f.nodes[id];
    const bool per_item = !a.writes.empty() && std::all_of(a.writes.begin(), a.writes.end(), names_item);
    if (!n.is_fanout()) {
      if (std::any_of(a.writes.begin(), a.writes.end(), names_item) && !told[agent]) {
        told[agent] = true;
        Diagnostic d = make_diagnostic(
            "E0506", ctx.lowered.node_spans[id],
            fmt::format("`{}` writes under `{{item}}`, but this step has no items", a.name));
        d.secondary.push_back({ctx.program.agents[agent].writes_span, "`{item}` is used here"});
        d.help = "use `{item}` only in the `writes` of an agent that runs with `over`";
        ctx.diags.push_back(std::move(d));
      }
      continue;
    }
    const ir::AgentCall& call = n.agent_call();
    const bool many = call.fanout.size() > 1 || !call.fanout_input.empty() ||
                      (call.fanout_step != ir::kNoId && call.fanout_cap > 1);
    if (!many || per_item || !writing_tool(a)) continue;
    Diagnostic d = make_diagnostic(
        "W0108", ctx.lowered.node_spans[id],
        fmt::format("the items of `{}` run at the same time and may write the same files", n.name));
    d.notes.push_back(a.writes.empty()
                          ? fmt::format("`{}` holds a writing tool and declares no `writes`", a.name)
                          : fmt::format("each item may write all of `{}`'s `writes`", a.name));
    d.help = "give each item a part of its own with `{item}` in every pattern, such as "
             "`writes \"reports/{item}/**\"`";
    ctx.diags.push_back(std::move(d));
  }
}

void check_writes_only(const CheckContext& ctx, const ast::RuleDecl& rule) {
  const AgentDef* def = ctx.program.find_agent(rule.a.name);
  if (!def) {
    std::vector<std::string_view> names;
    for (const AgentDef& a : ctx.program.agents) names.push_back(a.agent.name);
    Diagnostic d = make_diagnostic("E0101", rule.a.span,
                                   fmt::format("agent `{}` is not declared", rule.a.name));
    d.help = did_you_mean(rule.a.name, names, "the rule must name a declared agent");
    ctx.diags.push_back(std::move(d));
    return;
  }
  if (!writing_tool(def->agent)) return;  // it cannot write anything
  for (const std::string& w : def->agent.writes) {
    std::string any = ir::writes_for_any_item(w);  // whatever the item
    bool inside = std::any_of(rule.globs.begin(), rule.globs.end(),
                              [&](const ast::String& g) { return glob_within(any, g.value); });
    if (inside) continue;
    Diagnostic d = make_diagnostic(
        "E0503", rule.span,
        fmt::format("rule broken: `{}` may write \"{}\", outside the allowed paths", rule.a.name, w));
    d.secondary.push_back({def->writes_span, "its `writes` is declared here"});
    d.help = "narrow the agent's `writes`, or widen the rule";
    ctx.diags.push_back(std::move(d));
  }
}

}  // namespace

// Only a bare name takes a tool away: `disallowedTools: Bash(rm:*)` leaves the rest of Bash.
static bool disallowed(const ir::Agent& a, std::string_view tool) {
  return std::find(a.disallowed_tools.begin(), a.disallowed_tools.end(), tool) !=
         a.disallowed_tools.end();
}

const char* writing_tool(const ir::Agent& a) {
  if (!a.tools) {
    for (const char* w : kWriting)
      if (!disallowed(a, w)) return w;
    return nullptr;
  }
  for (const std::string& t : *a.tools)
    for (const char* w : kWriting)
      if (base_tool(t) == w && !disallowed(a, w)) return w;
  return nullptr;
}

void check_permissions(const CheckContext& ctx) {
  check_agents(ctx);
  check_roles(ctx);
  check_fanout_writers(ctx);
  for (const ast::RuleDecl* r : ctx.program.rules)
    if (r->kind == ast::RuleDecl::Kind::WritesOnly) check_writes_only(ctx, *r);
  check_concurrent_writes(ctx);
}

}  // namespace flow

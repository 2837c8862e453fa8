// Permissions: what agents may write, and who may write at the same time.
//   E0500 two steps that may run at the same time may write the same path (concurrent_writes.cc)
//   E0501 an agent declares `writes` but holds no writing tool
//   E0502 a coordinator holds a writing tool
//   E0503 `rule AGENT writes only ...` is broken
// An agent with writing tools but no `writes` patterns has not said where it writes; it is
// not compared with others (there is nothing to compare).
// An agent without a `tools` field holds every tool, as Claude Code gives it; `disallowedTools`
// takes tools away. `Bash(git log:*)` is Bash: what a pattern lets through can still write.
#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "compiler/glob.h"
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
    bool inside = std::any_of(rule.globs.begin(), rule.globs.end(),
                              [&](const ast::String& g) { return glob_within(w, g.value); });
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
  for (const ast::RuleDecl* r : ctx.program.rules)
    if (r->kind == ast::RuleDecl::Kind::WritesOnly) check_writes_only(ctx, *r);
  check_concurrent_writes(ctx);
}

}  // namespace flow

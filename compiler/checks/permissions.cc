// Permissions: what agents may write, and who may write at the same time.
//   E0500 two branches of a `parallel` block may write the same path
//   E0501 an agent declares `writes` but holds no writing tool
//   E0502 a coordinator holds a writing tool
//   E0503 `rule AGENT writes only ...` is broken
// An agent with writing tools but no `writes` patterns has not said where it writes; it is
// not compared with others (there is nothing to compare).
// An agent without a `tools` field holds every tool, as Claude Code gives it; `disallowedTools`
// takes tools away. `Bash(git log:*)` is Bash: what a pattern lets through can still write.
#include <algorithm>
#include <set>
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

// Only a bare name takes a tool away: `disallowedTools: Bash(rm:*)` leaves the rest of Bash.
bool disallowed(const ir::Agent& a, std::string_view tool) {
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

struct WriteEntry {
  std::string_view prefix, pattern;
  uint32_t branch, node;
};

void report_overlap(const CheckContext& ctx, const ParallelInfo& par, const WriteEntry& fx,
                    const WriteEntry& sx) {
  const ir::Node& first = ctx.lowered.flow.nodes[fx.node];
  const ir::Node& second = ctx.lowered.flow.nodes[sx.node];
  Diagnostic d = make_diagnostic(
      "E0500", par.span,
      fmt::format("parallel steps `{}` and `{}` may write the same files", first.name, second.name));
  d.secondary.push_back({ctx.lowered.node_spans[first.id],
                         fmt::format("`{}` writes \"{}\"", first.agent, fx.pattern)});
  d.secondary.push_back({ctx.lowered.node_spans[second.id],
                         fmt::format("`{}` writes \"{}\"", second.agent, sx.pattern)});
  d.help = "narrow the `writes` patterns so they cannot meet, or run the steps in sequence";
  ctx.diags.push_back(std::move(d));
}

void check_parallel(const CheckContext& ctx, const ParallelInfo& par) {
  const ir::Flow& f = ctx.lowered.flow;
  std::vector<WriteEntry> entries;
  for (uint32_t b = 0; b < par.branches.size(); ++b) {
    auto [first, last] = par.branches[b];
    for (uint32_t n = first; n < last; ++n) {
      if (f.nodes[n].kind != ir::NodeKind::Agent) continue;
      const AgentDef* def = ctx.program.find_agent(f.nodes[n].agent);
      if (!def || !writing_tool(def->agent)) continue;
      for (const std::string& w : def->agent.writes) entries.push_back({glob_prefix(w), w, b, n});
    }
  }
  if (entries.size() < 2) return;
  std::sort(entries.begin(), entries.end(), [](const WriteEntry& x, const WriteEntry& y) {
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    return x.pattern != y.pattern ? x.pattern < y.pattern : x.node < y.node;
  });
  // Many branches often share a few agents: keep, per distinct pattern, its first entry and
  // the first one from another branch. Two entries from different branches are all that a
  // pattern can contribute to a conflict, so the comparisons below grow with the number of
  // distinct patterns, not of branches.
  std::vector<WriteEntry> reps;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i + 1;
    while (j < entries.size() && entries[j].pattern == entries[i].pattern) ++j;
    reps.push_back(entries[i]);
    for (size_t k = i + 1; k < j; ++k)
      if (entries[k].branch != entries[i].branch) {
        reps.push_back(entries[k]);
        break;
      }
    i = j;
  }
  std::set<std::pair<uint32_t, uint32_t>> reported;  // branch pairs already reported
  constexpr size_t kMaxPerBlock = 10;
  // Sorted by literal prefix, every pattern whose prefix extends mine comes right after me, so
  // only pairs that could overlap are compared.
  for (size_t i = 0; i < reps.size() && reported.size() < kMaxPerBlock; ++i) {
    for (size_t j = i + 1; j < reps.size() && reported.size() < kMaxPerBlock; ++j) {
      const WriteEntry& x = reps[i];
      const WriteEntry& y = reps[j];
      if (y.prefix.substr(0, x.prefix.size()) != x.prefix) break;
      if (x.branch == y.branch) continue;
      auto key = std::minmax(x.branch, y.branch);
      if (reported.count(key) || !globs_overlap(x.pattern, y.pattern)) continue;
      reported.insert(key);
      report_overlap(ctx, par, x.node < y.node ? x : y, x.node < y.node ? y : x);
    }
  }
}

}  // namespace

void check_permissions(const CheckContext& ctx) {
  check_agents(ctx);
  for (const ast::RuleDecl* r : ctx.program.rules)
    if (r->kind == ast::RuleDecl::Kind::WritesOnly) check_writes_only(ctx, *r);
  for (const ParallelInfo& par : ctx.lowered.parallels) check_parallel(ctx, par);
}

}  // namespace flow

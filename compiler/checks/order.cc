// `rule A before B` (E0400): every node where B starts must wait, directly or not, for every
// node where A ends. One breadth-first search per end point on the smaller side, never an
// all-pairs closure. When the rule fails the message says why: the chain that orders them the
// other way, or that no chain orders them at all.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "compiler/suggest.h"

namespace flow {
namespace {

// Who waits for each node (the reverse of deps), in compressed rows.
struct Dependents {
  std::vector<uint32_t> start, list;
  explicit Dependents(const ir::Flow& f) : start(f.nodes.size() + 1, 0) {
    for (const ir::Node& n : f.nodes)
      for (uint32_t d : n.deps) ++start[d + 1];
    for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    list.resize(start.back());
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (const ir::Node& n : f.nodes)
      for (uint32_t d : n.deps) list[fill[d]++] = n.id;
  }
};

struct Search {
  const ir::Flow& f;
  const Dependents& down;
  std::vector<uint32_t> parent;  // kNone = not reached; the node itself for the start
  std::vector<uint32_t> touched;

  void reset() {
    for (uint32_t t : touched) parent[t] = kNone;
    touched.clear();
  }
  // Breadth-first from `from`, following deps (backward in time) or dependents (forward).
  void run(uint32_t from, bool forward) {
    reset();
    parent[from] = from;
    touched.push_back(from);
    for (size_t qi = 0; qi < touched.size(); ++qi) {
      uint32_t v = touched[qi];
      auto visit = [&](uint32_t w) {
        if (parent[w] != kNone) return;
        parent[w] = v;
        touched.push_back(w);
      };
      if (forward)
        for (uint32_t i = down.start[v]; i < down.start[v + 1]; ++i) visit(down.list[i]);
      else
        for (uint32_t w : f.nodes[v].deps) visit(w);
    }
  }
  bool reached(uint32_t n) const { return parent[n] != kNone; }
  // From `n` back to the start of the search.
  std::vector<uint32_t> path_to(uint32_t n) const {
    std::vector<uint32_t> p{n};
    while (parent[p.back()] != p.back()) p.push_back(parent[p.back()]);
    return p;
  }
};

std::string show(const ir::Flow& f, const std::vector<uint32_t>& path) {
  constexpr size_t kShown = 12;
  std::string s;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i == kShown / 2 && path.size() > kShown) {
      s += fmt::format(" -> ... ({} more)", path.size() - kShown);
      i = path.size() - kShown / 2;
    }
    s += (i ? " -> `" : "`") + f.nodes[path[i]].name + "`";
  }
  return s;
}

const Unit* bind(const CheckContext& ctx, const ast::Ident& name,
                 std::optional<NameSuggester>& names) {
  if (const Unit* u = ctx.lowered.find_unit(name.name)) return u;
  if (!names) {
    std::vector<std::string_view> all;
    for (const std::string& k : ctx.lowered.stage_names.names()) all.push_back(k);
    for (const std::string& k : ctx.lowered.step_names.names()) all.push_back(k);
    names.emplace(std::move(all));
  }
  Diagnostic d = make_diagnostic("E0103", name.span,
                                 fmt::format("no step or stage named `{}`", name.name));
  d.help = names->did_you_mean(name.name,
                        "name a stage, or a step by its agent, `run`, `approve` or `as` name");
  ctx.diags.push_back(std::move(d));
  return nullptr;
}

// A unit's nodes are the ids [first, last), and units nest: two that share a node are the
// same, or one holds the other. Then neither can finish before the other starts.
bool report_overlap(const CheckContext& ctx, const ast::RuleDecl& rule, const Unit& a,
                    const Unit& b) {
  if (b.last == b.first || a.last <= b.first || b.last <= a.first) return false;
  const std::string& an = rule.a.name;
  const std::string& bn = rule.b.name;
  Diagnostic d = make_diagnostic(
      "E0400", rule.span, fmt::format("rule broken: `{}` can start before `{}` finishes", bn, an));
  if (an == bn || (a.first == b.first && a.last == b.last))
    d.notes.push_back(fmt::format("`{}` and `{}` are the same step: nothing finishes before it "
                                  "starts itself", an, bn));
  else if (a.first <= b.first && b.last <= a.last)
    d.notes.push_back(fmt::format("`{}` is part of `{}`, so `{}` cannot finish before it starts",
                                  bn, an, an));
  else
    d.notes.push_back(fmt::format("`{}` is part of `{}`, so it runs after `{}` has started",
                                  an, bn, bn));
  d.help = "a `before` rule orders two separate steps or stages; name ones that do not contain "
           "each other";
  ctx.diags.push_back(std::move(d));
  return true;
}

}  // namespace

void check_order(const CheckContext& ctx) {
  const ir::Flow& f = ctx.lowered.flow;
  std::optional<Dependents> down;
  std::optional<Search> search;
  std::optional<NameSuggester> names;
  for (const ast::RuleDecl* rule : ctx.program.rules) {
    if (rule->kind != ast::RuleDecl::Kind::Before) continue;
    const Unit* a = bind(ctx, rule->a, names);
    const Unit* b = bind(ctx, rule->b, names);
    if (!a || !b || a->exits.empty() || b->entries.empty() || a->last == a->first) continue;
    if (report_overlap(ctx, *rule, *a, *b)) continue;
    if (!down) {
      down.emplace(f);
      search.emplace(Search{f, *down, std::vector<uint32_t>(f.nodes.size(), kNone), {}});
    }
    // Find one (end of A, start of B) pair that is not ordered.
    uint32_t bad_x = kNone, bad_y = kNone;
    bool from_a = a->exits.size() <= b->entries.size();
    for (uint32_t s : from_a ? a->exits : b->entries) {
      search->run(s, from_a);
      for (uint32_t t : from_a ? b->entries : a->exits)
        if (!search->reached(t)) {
          bad_x = from_a ? s : t;
          bad_y = from_a ? t : s;
          break;
        }
      if (bad_x != kNone) break;
    }
    if (bad_x == kNone) continue;
    const std::string& an = rule->a.name;
    const std::string& bn = rule->b.name;
    Diagnostic d = make_diagnostic(
        "E0400", rule->span, fmt::format("rule broken: `{}` can start before `{}` finishes", bn, an));
    // Does some part of B come before the end of A? Then the flow orders them the other way.
    search->run(bad_x, false);
    // The start of B found unordered comes first, so that the chain shown is about that pair.
    uint32_t hit = search->reached(bad_y) ? bad_y : kNone;
    for (uint32_t n = b->first; n < b->last && hit == kNone; ++n)
      if (search->reached(n)) hit = n;
    if (hit != kNone) {
      d.notes.push_back(fmt::format("the flow orders them the other way: {}",
                                    show(f, search->path_to(hit))));
      d.secondary.push_back({ctx.lowered.node_spans[hit], fmt::format("`{}` starts here", bn)});
      d.help = fmt::format("reorder them so `{}` comes first, or fix the rule", an);
    } else {
      d.notes.push_back(fmt::format(
          "nothing orders them: no chain of dependencies leads from `{}` to `{}`, so they may "
          "run at the same time",
          f.nodes[bad_x].name, f.nodes[bad_y].name));
      d.help = fmt::format("add `after {}` to `{}`", an, bn);
    }
    ctx.diags.push_back(std::move(d));
  }
}

}  // namespace flow

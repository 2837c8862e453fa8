// `back to NAME`: a failed gate sends the work back to an earlier step or stage, and
// everything between re-runs too. The gate's `members` (what the runtime re-runs, and what the
// call bound multiplies by 1 + retries) become that whole stretch of the graph. Two checks keep
// the language's static guarantees true on every iteration:
//  * the target runs before the gate on every path, and a gate around the gate holds the whole
//    stretch (E0310): rework never reaches outside the gates that count it;
//  * nothing outside the stretch uses its work without waiting for the gate (E0311): a step
//    that read a first version would otherwise keep it while the stretch runs again, and a
//    `rule A before B` could be broken by the second iteration.
#include <algorithm>

#include <fmt/format.h>

#include "compiler/diagnostic_registry.h"
#include "compiler/lower.h"

namespace flow {
namespace {

using Marks = std::vector<uint8_t>;

// Every node `from` depends on, directly or not (not `from` itself).
Marks ancestors(const ir::Flow& f, uint32_t from) {
  Marks seen(f.nodes.size(), 0);
  std::vector<uint32_t> work(f.nodes[from].deps.begin(), f.nodes[from].deps.end());
  while (!work.empty()) {
    uint32_t d = work.back();
    work.pop_back();
    if (seen[d]) continue;
    seen[d] = 1;
    work.insert(work.end(), f.nodes[d].deps.begin(), f.nodes[d].deps.end());
  }
  return seen;
}

// Every node reachable from `start` along dependents, within `allowed` (when given).
Marks reachable(const std::vector<std::vector<uint32_t>>& dependents,
                const std::vector<uint32_t>& start, const Marks* allowed) {
  Marks seen(dependents.size(), 0);
  std::vector<uint32_t> work = start;
  while (!work.empty()) {
    uint32_t n = work.back();
    work.pop_back();
    if (seen[n] || (allowed && !(*allowed)[n])) continue;
    seen[n] = 1;
    work.insert(work.end(), dependents[n].begin(), dependents[n].end());
  }
  return seen;
}

struct Binder {
  const SourceMap& sources;
  Lowered& out;
  std::vector<Diagnostic>& diags;
  std::vector<std::vector<uint32_t>> dependents;

  void report(DiagCode code, const Span& span, std::string message, std::string help) {
    Diagnostic d = make_diagnostic(code, span, std::move(message));
    d.help = std::move(help);
    diags.push_back(std::move(d));
  }

  // The stretch from the target to the gate; empty (reported) when the target does not fit.
  Marks stretch(const SendBack& b, const Unit& target, const Marks& before_gate) {
    const ir::Gate& g = out.flow.nodes[b.gate].gate();
    const std::string& name = b.target->name;
    bool upstream = !target.exits.empty() && !(target.first <= b.gate && b.gate < target.last);
    for (uint32_t x : target.exits) upstream = upstream && before_gate[x];
    if (!upstream) {
      report("E0310", b.target->span,
             fmt::format("`{}` cannot be sent back to `{}`: it does not finish before `{}` on "
                         "every path", g.target, name, g.target),
             "name a step or stage that runs before the gated step (`back to` goes upstream)");
      return {};
    }
    std::vector<uint32_t> start;
    for (uint32_t i = target.first; i < target.last; ++i) start.push_back(i);
    Marks in = reachable(dependents, start, &before_gate);
    for (uint32_t m : g.members) in[m] = 1;
    // A gate inside the stretch re-runs what it guards when it fails again: that is rework too.
    for (bool grew = true; grew;) {
      grew = false;
      for (uint32_t i = 0; i < in.size(); ++i)
        if (in[i] && out.flow.nodes[i].kind() == ir::NodeKind::Gate && i != b.gate)
          for (uint32_t m : out.flow.nodes[i].gate().members)
            if (!in[m]) in[m] = 1, grew = true;
    }
    in[b.gate] = 0;
    return in;
  }

  // A gate around this one re-runs it; it must then hold the whole stretch, or the bound
  // would not count the stretch's runs under both gates.
  bool enclosed(const SendBack& b, const Marks& in) {
    for (const ir::Node& node : out.flow.nodes) {
      const ir::Gate* o = node.if_gate();
      if (!o || node.id == b.gate ||
          !std::binary_search(o->members.begin(), o->members.end(), b.gate))
        continue;
      for (uint32_t i = 0; i < in.size(); ++i)
        if (in[i] && !std::binary_search(o->members.begin(), o->members.end(), i)) {
          report("E0310", b.target->span,
                 fmt::format("sending `{}` back to `{}` re-runs `{}`, outside gate `{}` that "
                             "encloses it", out.flow.nodes[b.gate].gate().target, b.target->name,
                             out.flow.nodes[i].name, node.name),
                 fmt::format("send it back to a step inside `{}`, or move `back to` onto `{}`",
                             o->target, o->target));
          return false;
        }
    }
    return true;
  }

  // Nothing outside the stretch may use its work unless it waits for the gate.
  bool contained(const SendBack& b, const Marks& in) {
    Marks after_gate = reachable(dependents, {b.gate}, nullptr);
    for (const ir::Node& n : out.flow.nodes) {
      if (in[n.id] || after_gate[n.id]) continue;
      for (uint32_t d : n.deps) {
        if (!in[d]) continue;
        report("E0311", out.node_spans[n.id],
               fmt::format("`{}` uses `{}`, which `back to {}` re-runs, but does not wait for "
                           "gate `{}`", n.name, out.flow.nodes[d].name, b.target->name,
                           out.flow.nodes[b.gate].name),
               fmt::format("make `{}` run after `{}` (`after {}`), or send the work back to a "
                           "later step", n.name, out.flow.nodes[b.gate].gate().target,
                           out.flow.nodes[b.gate].gate().target));
        return false;
      }
    }
    return true;
  }

  void bind(const SendBack& b) {
    const Unit* target = out.find_unit(b.target->name);
    if (!target) {
      report("E0103", b.target->span, fmt::format("no step or stage named `{}`", b.target->name),
             "`back to` names an earlier step or stage");
      return;
    }
    Marks before_gate = ancestors(out.flow, b.gate);
    Marks in = stretch(b, *target, before_gate);
    if (in.empty() || !enclosed(b, in) || !contained(b, in)) return;
    ir::Gate& g = out.flow.nodes[b.gate].gate();
    g.members.clear();
    for (uint32_t i = 0; i < in.size(); ++i)
      if (in[i]) g.members.push_back(i);
  }
};

}  // namespace

void bind_send_backs(const SourceMap& sources, Lowered& out, const std::vector<SendBack>& backs,
                     std::vector<Diagnostic>& diags) {
  if (backs.empty()) return;
  Binder b{sources, out, diags, std::vector<std::vector<uint32_t>>(out.flow.nodes.size())};
  for (const ir::Node& n : out.flow.nodes)
    for (uint32_t d : n.deps) b.dependents[d].push_back(n.id);
  for (const SendBack& s : backs) b.bind(s);
}

}  // namespace flow

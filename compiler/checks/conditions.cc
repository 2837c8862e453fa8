// E0402: `when STEP passed` is read when the conditional step becomes ready, so STEP must be
// decided by then: each of its nodes must be an ancestor of every node the condition is on.
#include <algorithm>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"

namespace flow {

void check_conditions(const CheckContext& ctx) {
  const std::vector<ir::Node>& nodes = ctx.lowered.flow.nodes;
  if (ctx.lowered.step_conditions.empty()) return;
  std::vector<std::vector<uint32_t>> dependents(nodes.size());
  for (const ir::Node& n : nodes)
    for (uint32_t d : n.deps) dependents[d].push_back(n.id);
  std::vector<uint32_t> seen(nodes.size(), 0);
  uint32_t stamp = 0;
  for (const StepCondition& sc : ctx.lowered.step_conditions) {
    if (sc.first >= sc.last) continue;
    const ir::Condition& c = nodes[sc.first].conditions[sc.slot];
    // Whatever a node of the step reaches comes after it; every carrier must be among that.
    uint32_t early = UINT32_MAX;
    for (uint32_t s : c.nodes) {
      ++stamp;
      std::vector<uint32_t> work(dependents[s].begin(), dependents[s].end());
      while (!work.empty()) {
        uint32_t x = work.back();
        work.pop_back();
        if (seen[x] == stamp) continue;
        seen[x] = stamp;
        work.insert(work.end(), dependents[x].begin(), dependents[x].end());
      }
      for (uint32_t id = sc.first; id < sc.last && early == UINT32_MAX; ++id)
        if (seen[id] != stamp) early = id;
      if (early != UINT32_MAX) break;
    }
    if (early == UINT32_MAX) continue;
    const ir::Node& n = nodes[early];
    bool inside = std::find(c.nodes.begin(), c.nodes.end(), early) != c.nodes.end();
    Diagnostic d = make_diagnostic(
        "E0402", sc.step_span,
        inside ? fmt::format("`{}` tests the outcome of `{}` from inside it", n.name, c.name)
               : fmt::format("`{}` may start before `{}` has finished, so the condition on its "
                             "outcome is not decided yet", n.name, c.name));
    d.secondary.push_back({ctx.lowered.node_spans[early], "the conditional step"});
    d.help = inside ? fmt::format("test `{}` from a step that comes after it", c.name)
                    : fmt::format("make the step wait for it: put it in a later stage, or add "
                                  "`after {}`", c.name);
    ctx.diags.push_back(std::move(d));
  }
}

}  // namespace flow

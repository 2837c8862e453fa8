// Budgets during a run (budget.h): the scheduler counts each agent call it starts and the
// usage each finished call reports, and starts no call once a budget is spent. Running calls
// finish; the run then ends with kExitBudget and can be resumed with a larger budget.
#include <fmt/format.h>

#include "runtime/engine/scheduler.h"

namespace flow::rt {

bool Scheduler::is_call(const Task& t) const {
  const ir::Node& node = flow().nodes[t.node];
  if (node.kind() == ir::NodeKind::Agent) return true;
  return node.kind() == ir::NodeKind::Gate && t.index >= 0 &&
         node.gate().checks[t.index].kind == ir::Check::Kind::Review;
}

bool Scheduler::over_budget(const Task& t) {
  if (!is_call(t)) return false;
  std::string why = budget_reached(env_.limits, env_.spent);
  if (why.empty()) return false;
  plan_.fail(t.node);  // never started; stays unfinished for resume
  if (!budget_.stop.empty()) return true;
  budget_.stop = why;
  loop_.stopping = true;
  const Spent& s = env_.spent;
  emit(ev::BudgetExhausted{why, s.calls, s.usage.cost_usd, s.usage.tokens(), env_.limits.calls,
                           env_.limits.cost_usd, env_.limits.tokens});
  return true;
}

// A call of unknown cost (no price for its model) counts as $0 toward --max-cost: the run
// says so once, since the budget can then be passed unnoticed.
void Scheduler::count_usage(const Finished& f) {
  const AgentUsage& u = f.result.usage;
  env_.spent.add_usage(u);
  if (!u.known || u.cost_known || !env_.limits.cost_usd || budget_.warned_unknown_cost) return;
  budget_.warned_unknown_cost = true;
  const ir::Node& node = flow().nodes[f.call.task.node];
  emit(ev::BudgetUnknownCost{node.name});
  record_.status.message(fmt::format("warning: a call of `{}` has no known cost (no price for its "
                              "model; see `prices:` in docs/config.md): it counts as $0 toward "
                              "--max-cost",
                              node.name));
}

}  // namespace flow::rt

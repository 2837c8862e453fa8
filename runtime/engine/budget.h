#pragma once
// Budgets of a run (docs/runtime.md, "Budgets"): at most N agent calls (`rule at most N
// calls`), at most a cost in US dollars (`--max-cost`) and at most a number of tokens
// (`--max-tokens`). The scheduler asks before each agent call whether it may start; once a
// budget is spent, no new call starts, running calls finish, and the run stops resumable.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/backends/backend.h"
#include "runtime/backends/usage.h"
#include "runtime/store/events.h"

namespace flow::rt {

struct BudgetLimits {
  std::optional<int64_t> calls;  // the smallest `rule at most N calls`
  std::string calls_rule;        // where that rule is written: "file:line:col"
  std::optional<double> cost_usd;
  std::string cost_rule;         // where the cost budget is written; "" = the command line
  std::optional<int64_t> tokens;
  std::string tokens_rule;       // the same for the token budget
  bool any() const { return calls || cost_usd || tokens; }
};

// What the run has spent so far, resumed runs included: agent calls started (reviews too) and
// the cost and tokens that finished calls reported.
struct Spent {
  int64_t calls = 0;
  UsageTotals usage;
  void add_event(const Event& event);  // `dispatch` counts a call, `attempt` its usage
  void add_usage(const AgentUsage& usage);       // a finished call's usage, as it comes
};

// The spending recorded in a run's events (for `flow resume`).
Spent spent_from_events(const std::vector<Event>& events);

// Why no new agent call may start, e.g. "the cost budget of $0.0500 is spent ($0.0500)"; ""
// while every budget has room. A budget is spent once the amount reaches it: a call already
// running may take the total past it.
std::string budget_reached(const BudgetLimits& limits, const Spent& spent);

// The final report of a run that a budget stopped (`why` from budget_reached): what was spent
// and how to go on.
std::string budget_report(const std::string& why, const Spent& spent, const BudgetLimits& limits,
                          const std::string& run_id);

// The flow's budget rules into `limits`: the smallest `rule at most N calls` always (it is a
// promise of the flow as compiled); the smallest `at most N tokens` and `at most N dollars` only
// where no budget was given on the command line, so `--max-cost`/`--max-tokens` can lift them.
void add_rule_budgets(const ir::Flow& flow, BudgetLimits* limits);

// The budgets in one line for `flow run --dry-run`, e.g. "at most 40 calls (rule at
// x.flow:9:1), $2.5000 (--max-cost), 500000 tokens (rule at x.flow:8:1)"; "none" without any.
std::string describe_budgets(const BudgetLimits& limits);

// Parses a budget given on the command line: a finite non-negative number of dollars, or a
// whole number of tokens. False on anything else.
bool parse_cost(const std::string& text, double* out);
bool parse_tokens(const std::string& text, int64_t* out);

}  // namespace flow::rt

#pragma once
// Cost and tokens of agent calls, as far as the agent program reports them (the `claude`
// backend does): how they are written into `attempt` events, and the totals per step, per
// agent and per run that the summary, the live view and `flow show` print.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/backends/backend.h"
#include "runtime/store/events.h"

namespace flow::rt {

// What an `attempt` event records of a call's usage; empty when the backend did not report it.
std::optional<ev::CallUsage> call_usage(const AgentUsage& usage);

struct UsageTotals {
  int calls = 0;     // agent and review calls
  int reported = 0;  // of which: the backend reported their usage (the figures below)
  int unpriced = 0;  // of which: tokens known, cost unknown (no price for the model)
  double cost_usd = 0;
  int64_t input_tokens = 0, output_tokens = 0, cache_read_tokens = 0, cache_creation_tokens = 0;
  int64_t turns = 0;
  // One call whose usage was reported (the usage of its `attempt` event).
  void add(const ev::CallUsage& usage);
  int64_t tokens() const { return input_tokens + output_tokens + cache_read_tokens + cache_creation_tokens; }
};

// Totals from the `attempt` events of a run, per step, per agent and for the whole run: every
// agent and review call is counted, and the usage of those that reported it is added up.
class UsageBook {
 public:
  void add(const Event& event);  // ignores every event but `attempt`
  void add(const ev::Attempt& attempt);
  bool any() const { return run_.reported > 0; }  // some call reported its usage
  const UsageTotals& run() const { return run_; }
  const UsageTotals* step(const std::string& name) const;
  const std::map<std::string, UsageTotals>& agents() const { return agents_; }
  const std::map<std::string, UsageTotals>& steps() const { return steps_; }
  // "cost: $0.0123 (agent planner $0.0100, reviewer $0.0023); tokens: 1200 in, 300 out, ..."
  std::string report() const;

 private:
  UsageTotals run_;
  std::map<std::string, UsageTotals> steps_, agents_;
};

// "$0.0023": four decimals, as the CLI's figures have.
std::string format_cost(double usd);

}  // namespace flow::rt

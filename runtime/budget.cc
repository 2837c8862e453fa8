#include "runtime/budget.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace flow::rt {

namespace {

// Sums of decimal prices are not exact (0.01 five times is 0.049999...): a budget counts as
// reached within a millionth of a cent.
constexpr double kCostSlack = 1e-8;

bool is_call(const nlohmann::json& e) {
  std::string kind = e.value("kind", "");
  return kind == "agent" || kind == "review";
}

}  // namespace

void Spent::add_event(const nlohmann::json& e) {
  if (!e.is_object()) return;
  std::string event = e.value("event", "");
  if (event == "dispatch" && is_call(e)) ++calls;
  else if (event == "attempt" && e.contains("cost_usd")) usage.add(e);
}

void Spent::add_usage(const AgentUsage& u) {
  if (!u.known) return;
  ++usage.calls;
  if (u.cost_known) usage.cost_usd += u.cost_usd;
  else ++usage.unpriced;
  usage.input_tokens += u.input_tokens;
  usage.output_tokens += u.output_tokens;
  usage.cache_read_tokens += u.cache_read_tokens;
  usage.cache_creation_tokens += u.cache_creation_tokens;
  usage.turns += u.num_turns;
}

Spent spent_from_events(const std::vector<nlohmann::json>& events) {
  Spent s;
  for (const nlohmann::json& e : events) s.add_event(e);
  return s;
}

std::string budget_reached(const BudgetLimits& limits, const Spent& spent) {
  if (limits.calls && spent.calls >= *limits.calls)
    return fmt::format("the rule `at most {} calls` ({}) allows no further agent call ({} made)",
                       *limits.calls, limits.calls_rule, spent.calls);
  if (limits.cost_usd && spent.usage.cost_usd + kCostSlack >= *limits.cost_usd)
    return fmt::format("the cost budget of {} is spent ({} in {} calls)",
                       format_cost(*limits.cost_usd), format_cost(spent.usage.cost_usd),
                       spent.usage.calls);
  if (limits.tokens && spent.usage.tokens() >= *limits.tokens)
    return fmt::format("the token budget of {} is spent ({} tokens in {} calls)", *limits.tokens,
                       spent.usage.tokens(), spent.usage.calls);
  return "";
}

std::string budget_report(const std::string& why, const Spent& s, const BudgetLimits& limits,
                          const std::string& run_id) {
  std::string out = fmt::format("stopped: {}; no new agent call was started, running calls "
                                "finished\n  spent: {} calls started, {} and {} tokens reported",
                                why, s.calls, format_cost(s.usage.cost_usd), s.usage.tokens());
  if (limits.calls && s.calls >= *limits.calls)
    return out + fmt::format("\n  the rule is part of the flow as compiled: raise its limit "
                             "and start a new run, or give fewer list items");
  if (limits.cost_usd && why.find("cost") != std::string::npos)
    return out + fmt::format("\n  to continue: flow resume {} --max-cost LARGER (more than {})",
                             run_id, format_cost(*limits.cost_usd));
  return out + fmt::format("\n  to continue: flow resume {} --max-tokens LARGER (more than {})",
                           run_id, limits.tokens.value_or(0));
}


void add_call_rule(const ir::Flow& flow, BudgetLimits* limits) {
  for (const ir::Rule& r : flow.rules) {
    if (r.kind != ir::Rule::Kind::AtMostCalls || (limits->calls && *limits->calls <= r.limit))
      continue;
    limits->calls = r.limit;
    limits->calls_rule = fmt::format("{}:{}:{}", r.loc.file.empty() ? flow.source : r.loc.file,
                                     r.loc.line, r.loc.col);
  }
}

bool parse_cost(const std::string& text, double* out) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return false;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

bool parse_tokens(const std::string& text, int64_t* out) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *out = std::strtoll(text.c_str(), nullptr, 10);
  return true;
}

}  // namespace flow::rt

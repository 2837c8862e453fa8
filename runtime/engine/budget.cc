#include "runtime/engine/budget.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace flow::rt {

namespace {

// Sums of decimal prices are not exact (0.01 five times is 0.049999...): a budget counts as
// reached within a millionth of a cent.
constexpr double kCostSlack = 1e-8;

bool is_call(const std::string& kind) { return kind == "agent" || kind == "review"; }

// " (rule at FILE:LINE:COL)" for a budget a rule of the flow set; "" for one given on the
// command line.
std::string from_rule(const std::string& where) {
  return where.empty() ? "" : " (rule at " + where + ")";
}

}  // namespace

void Spent::add_event(const Event& e) {
  if (const auto* d = std::get_if<ev::Dispatch>(&e.body); d && is_call(d->kind)) ++calls;
  else if (const auto* a = std::get_if<ev::Attempt>(&e.body); a && a->usage) usage.add(*a->usage);
}

void Spent::add_usage(const AgentUsage& u) {
  if (!u.known) return;
  ++usage.calls;
  ++usage.reported;
  if (u.cost_known) usage.cost_usd += u.cost_usd;
  else ++usage.unpriced;
  usage.input_tokens += u.input_tokens;
  usage.output_tokens += u.output_tokens;
  usage.cache_read_tokens += u.cache_read_tokens;
  usage.cache_creation_tokens += u.cache_creation_tokens;
  usage.turns += u.num_turns;
}

Spent spent_from_events(const std::vector<Event>& events) {
  Spent s;
  for (const Event& e : events) s.add_event(e);
  return s;
}

std::string budget_reached(const BudgetLimits& limits, const Spent& spent) {
  if (limits.calls && spent.calls >= *limits.calls)
    return fmt::format("the rule `at most {} calls` ({}) allows no further agent call ({} made)",
                       *limits.calls, limits.calls_rule, spent.calls);
  if (limits.cost_usd && spent.usage.cost_usd + kCostSlack >= *limits.cost_usd)
    return fmt::format("the cost budget of {}{} is spent ({} in {} calls)",
                       format_cost(*limits.cost_usd), from_rule(limits.cost_rule),
                       format_cost(spent.usage.cost_usd), spent.usage.calls);
  if (limits.tokens && spent.usage.tokens() >= *limits.tokens)
    return fmt::format("the token budget of {}{} is spent ({} tokens in {} calls)", *limits.tokens,
                       from_rule(limits.tokens_rule), spent.usage.tokens(), spent.usage.calls);
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


void add_rule_budgets(const ir::Flow& flow, BudgetLimits* limits) {
  const bool cost_given = limits->cost_usd.has_value() && limits->cost_rule.empty();
  const bool tokens_given = limits->tokens.has_value() && limits->tokens_rule.empty();
  for (const ir::Rule& r : flow.rules) {
    std::string where = fmt::format("{}:{}:{}", flow.file_of(r.loc).empty() ? flow.source : flow.file_of(r.loc),
                                    r.loc.line, r.loc.col);
    if (r.kind == ir::Rule::Kind::AtMostCalls && (!limits->calls || r.limit < *limits->calls)) {
      limits->calls = r.limit;
      limits->calls_rule = where;
    } else if (r.kind == ir::Rule::Kind::AtMostCost && !cost_given &&
               (!limits->cost_usd || r.limit_usd < *limits->cost_usd)) {
      limits->cost_usd = r.limit_usd;
      limits->cost_rule = where;
    } else if (r.kind == ir::Rule::Kind::AtMostTokens && !tokens_given &&
               (!limits->tokens || r.limit < *limits->tokens)) {
      limits->tokens = r.limit;
      limits->tokens_rule = where;
    }
  }
}

std::string describe_budgets(const BudgetLimits& limits) {
  std::vector<std::string> parts;
  if (limits.calls)
    parts.push_back(fmt::format("at most {} calls (rule at {})", *limits.calls, limits.calls_rule));
  auto source = [](const std::string& rule, const char* option) {
    return rule.empty() ? fmt::format("({})", option) : fmt::format("(rule at {})", rule);
  };
  if (limits.cost_usd)
    parts.push_back(fmt::format("{} {}", format_cost(*limits.cost_usd),
                                source(limits.cost_rule, "--max-cost")));
  if (limits.tokens)
    parts.push_back(fmt::format("{} tokens {}", *limits.tokens,
                                source(limits.tokens_rule, "--max-tokens")));
  if (parts.empty()) return "none";
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out += ", " + parts[i];
  return out;
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

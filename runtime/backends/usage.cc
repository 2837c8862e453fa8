#include "runtime/backends/usage.h"

#include <fmt/format.h>

namespace flow::rt {

std::optional<ev::CallUsage> call_usage(const AgentUsage& u) {
  if (!u.known) return std::nullopt;
  ev::CallUsage c;
  // Empty: the tokens are counted, the model's price is unknown (docs/config.md, `prices:`).
  if (u.cost_known) c.cost_usd = u.cost_usd;
  c.input_tokens = u.input_tokens;
  c.output_tokens = u.output_tokens;
  c.cache_read_tokens = u.cache_read_tokens;
  c.cache_creation_tokens = u.cache_creation_tokens;
  c.turns = u.num_turns;
  if (!u.session_id.empty()) c.session_id = u.session_id;
  return c;
}

void UsageTotals::add(const ev::CallUsage& u) {
  ++calls;
  ++reported;
  if (u.cost_usd) cost_usd += *u.cost_usd;
  else ++unpriced;
  input_tokens += u.input_tokens;
  output_tokens += u.output_tokens;
  cache_read_tokens += u.cache_read_tokens;
  cache_creation_tokens += u.cache_creation_tokens;
  turns += u.turns;
}

void UsageBook::add(const ev::Attempt& a) {
  if (a.at.kind != "agent" && a.at.kind != "review") return;
  UsageTotals* totals[] = {&run_, &steps_[a.at.step], &agents_[a.agent.value_or("")]};
  for (UsageTotals* t : totals) {
    if (!a.usage) {
      ++t->calls;
      continue;
    }
    t->add(*a.usage);
  }
}

void UsageBook::add(const Event& e) {
  if (const auto* a = std::get_if<ev::Attempt>(&e.body)) add(*a);
}

const UsageTotals* UsageBook::step(const std::string& name) const {
  auto it = steps_.find(name);
  return it == steps_.end() ? nullptr : &it->second;
}

std::string UsageBook::report() const {
  if (!any()) return "";
  std::string per_agent;
  for (const auto& [name, t] : agents_)
    if (t.reported > 0) per_agent += fmt::format("{}{} {}", per_agent.empty() ? "" : ", ", name, format_cost(t.cost_usd));
  return fmt::format(
      "cost: {} in {} calls{} ({}); tokens: {} input, {} output, {} cache read, {} cache write\n",
      format_cost(run_.cost_usd), run_.reported,
      run_.unpriced ? fmt::format(", {} of unknown cost (no price for the model; see `prices:`)", run_.unpriced)
                    : "",
      per_agent, run_.input_tokens, run_.output_tokens,
      run_.cache_read_tokens, run_.cache_creation_tokens);
}

std::string format_cost(double usd) { return fmt::format("${:.4f}", usd); }

}  // namespace flow::rt

#include "runtime/backends/usage.h"

#include <fmt/format.h>

namespace flow::rt {

using json = nlohmann::json;

void add_usage(nlohmann::ordered_json& ev, const std::string& agent, const AgentUsage& u) {
  if (!u.known) return;
  ev["agent"] = agent;
  // null: the tokens are counted, the model's price is unknown (docs/config.md, `prices:`).
  if (u.cost_known) ev["cost_usd"] = u.cost_usd;
  else ev["cost_usd"] = nullptr;
  ev["input_tokens"] = u.input_tokens;
  ev["output_tokens"] = u.output_tokens;
  ev["cache_read_tokens"] = u.cache_read_tokens;
  ev["cache_creation_tokens"] = u.cache_creation_tokens;
  ev["turns"] = u.num_turns;
  if (!u.session_id.empty()) ev["session_id"] = u.session_id;
}

namespace {

template <class Json>
int64_t count(const Json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_number_integer() ? it->template get<int64_t>() : 0;
}

// Events read back from a file are json; events as they are emitted, ordered_json.
template <class Json>
void add_totals(UsageTotals& t, const Json& e) {
  ++t.reported;
  if (auto c = e.find("cost_usd"); c != e.end() && c->is_number()) t.cost_usd += c->template get<double>();
  else ++t.unpriced;
  t.input_tokens += count(e, "input_tokens");
  t.output_tokens += count(e, "output_tokens");
  t.cache_read_tokens += count(e, "cache_read_tokens");
  t.cache_creation_tokens += count(e, "cache_creation_tokens");
  t.turns += count(e, "turns");
}

}  // namespace

void UsageTotals::add(const json& e) {
  ++calls;
  add_totals(*this, e);
}
void UsageTotals::add_emitted(const nlohmann::ordered_json& e) {
  ++calls;
  add_totals(*this, e);
}

nlohmann::ordered_json UsageTotals::to_json() const {
  return {{"calls", calls},
          {"calls_with_usage", reported},
          {"cost_usd", cost_usd},
          {"input_tokens", input_tokens},
          {"output_tokens", output_tokens},
          {"cache_read_tokens", cache_read_tokens},
          {"cache_creation_tokens", cache_creation_tokens},
          {"turns", turns},
          {"calls_without_price", unpriced}};
}

template <class Json>
void UsageBook::add_event(const Json& e) {
  if (!e.is_object() || e.value("event", "") != "attempt") return;
  std::string kind = e.value("kind", "");
  if (kind != "agent" && kind != "review") return;
  UsageTotals* totals[] = {&run_, &steps_[e.value("step", "")], &agents_[e.value("agent", "")]};
  for (UsageTotals* t : totals) {
    ++t->calls;
    if (e.contains("cost_usd")) add_totals(*t, e);
  }
}

void UsageBook::add(const json& e) { add_event(e); }
void UsageBook::add_emitted(const nlohmann::ordered_json& e) { add_event(e); }

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

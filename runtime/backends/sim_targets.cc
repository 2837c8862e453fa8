#include "runtime/backends/sim_targets.h"

#include <string_view>

#include "lang/suggest.h"  // closest_name

namespace flow::rt {
namespace {

std::string unknown(const std::string& option, const std::string& step, const std::string& what,
                    const std::vector<std::string_view>& names) {
  std::string text = option + ": no " + what + " of this flow is named `" + step + "`";
  std::string hint = closest_name(step, names);
  if (!hint.empty()) return text + "; did you mean `" + hint + "`?";
  if (names.empty()) return text + " (it has none)";
  std::string list;
  for (size_t i = 0; i < names.size() && i < 10; ++i)
    list += (i ? ", " : "") + std::string(names[i]);
  return text + " (" + (names.size() > 10 ? "some of them: " : "they are: ") + list + ")";
}

// `STEP[K]` names a per-item gate (or the fan-out it judges) and one of its items.
bool check_item_target(const ir::Flow& flow, const SimFailReview& f, std::string* error) {
  SimTarget t = sim_target(f.step);
  std::vector<std::string_view> per_item;
  int items = 0;  // 0: not known before the run (a list input)
  for (const ir::Node& n : flow.nodes) {
    if (n.kind() != ir::NodeKind::Gate || !n.gate().per_item) continue;
    per_item.push_back(n.gate().target);
    per_item.push_back(n.name);
    if (t.name != n.name && t.name != n.gate().target) continue;
    for (uint32_t m : n.gate().members) {
      const ir::Node& fan = flow.nodes[m];
      if (const ir::AgentCall* call = fan.if_agent_call())
        items = !call->fanout.empty() ? static_cast<int>(call->fanout.size()) : call->fanout_cap;
    }
    if (items == 0 || t.item <= items) return true;
    *error = "--sim-fail-review: `" + f.step + "`: `" + t.name + "` has at most " +
             std::to_string(items) + " items";
    return false;
  }
  *error = unknown("--sim-fail-review", t.name, "`review each` fan-out or per-item gate",
                   per_item);
  return false;
}

}  // namespace

bool check_sim_targets(const ir::Flow& flow, const std::vector<SimFailReview>& fail_review,
                       const std::vector<std::string>& fail_step, std::string* error) {
  std::vector<std::string_view> reviewed, agent_steps;
  for (const ir::Node& n : flow.nodes) {
    if (n.kind() == ir::NodeKind::Agent) agent_steps.push_back(n.name);
    if (n.kind() != ir::NodeKind::Gate) continue;
    bool named = false;
    for (const ir::Check& c : n.gate().checks) {
      if (c.kind != ir::Check::Kind::Review && c.kind != ir::Check::Kind::Verdict) continue;
      if (!named) {
        reviewed.push_back(n.gate().target);
        reviewed.push_back(n.name);
        named = true;
      }
      if (c.kind == ir::Check::Kind::Verdict)
        reviewed.push_back(flow.node_name(c.step));  // judged by itself
    }
  }
  for (const SimFailReview& f : fail_review) {
    if (sim_target(f.step).item > 0) {
      if (!check_item_target(flow, f, error)) return false;
      continue;
    }
    bool known = false;
    for (std::string_view r : reviewed) known = known || r == f.step;
    if (!known) {
      *error = unknown("--sim-fail-review", f.step, "reviewed step or review gate",
                       reviewed);
      return false;
    }
  }
  for (const std::string& s : fail_step) {
    bool known = false;
    for (std::string_view a : agent_steps) known = known || a == s;
    if (!known) {
      *error = unknown("--sim-fail-step", s, "agent step", agent_steps);
      return false;
    }
  }
  return true;
}

bool check_sim_items(const ir::Flow& flow, const std::vector<SimFailReview>& items,
                     std::string* error) {
  std::vector<std::string_view> producers;
  for (const ir::Node& n : flow.nodes)
    if (const ir::AgentCall* call = n.if_agent_call(); call && call->fanout_step != ir::kNoId)
      producers.push_back(flow.node_name(call->fanout_step));
  for (const SimFailReview& f : items) {
    bool known = false;
    for (std::string_view p : producers) known = known || p == f.step;
    if (!known) {
      *error = unknown("--sim-items", f.step, "step that a fan-out takes its items from",
                       producers);
      return false;
    }
  }
  return true;
}

}  // namespace flow::rt

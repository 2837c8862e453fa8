#include "compiler/stats.h"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

namespace flow {
namespace {

uint64_t mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > CallStats::kCap) return CallStats::kCap;
  return r;
}
uint64_t add(uint64_t a, uint64_t b) { return std::min(a + b, CallStats::kCap); }

}  // namespace

namespace {

// Per input: the number of items of its default when that is a list (parsed once, not once
// per step that fans out over it).
std::vector<std::optional<uint64_t>> list_default_sizes(const ir::Flow& flow) {
  std::vector<std::optional<uint64_t>> sizes;
  sizes.reserve(flow.inputs.size());
  for (const ir::Input& in : flow.inputs) {
    nlohmann::json given = in.default_value
                               ? nlohmann::json::parse(*in.default_value, nullptr, false)
                               : nlohmann::json();
    sizes.push_back(given.is_array() ? std::optional<uint64_t>(given.size()) : std::nullopt);
  }
  return sizes;
}

// A fan-out's items, for the bound: the literal list, the cap of a step's choice, or an input's
// default list; nullopt when only the run can say (an input with no default list).
std::optional<uint64_t> fanout_items(const ir::Flow& flow, const ir::Node& node,
                                 const std::vector<std::optional<uint64_t>>& default_items) {
  const ir::AgentCall& n = node.agent_call();
  if (!n.fanout.empty()) return n.fanout.size();
  if (n.fanout_step != ir::kNoId) return static_cast<uint64_t>(std::max(n.fanout_cap, 0));
  if (n.fanout_input.empty()) return 1;
  for (size_t i = 0; i < flow.inputs.size(); ++i)
    if (flow.inputs[i].name == n.fanout_input) return default_items[i];
  return std::nullopt;
}

}  // namespace

CallStats worst_case_calls(const ir::Flow& flow) {
  CallStats s;
  s.nodes = flow.nodes.size();
  // How many times each node can run: the product of (1 + retries) of every gate around it.
  // A gate lists all its members, inner gates included, so one pass over the gates suffices.
  // For a per-item gate the count is per item: each item has the whole budget of retries.
  std::vector<uint64_t> runs(flow.nodes.size(), 1);
  for (const ir::Node& node : flow.nodes) {
    const ir::Gate* g = node.if_gate();
    if (!g) continue;
    uint64_t attempts = 1 + static_cast<uint64_t>(std::max(g->retries, 0));
    for (uint32_t m : g->members) runs[m] = mul(runs[m], attempts);
  }
  const std::vector<std::optional<uint64_t>> default_items = list_default_sizes(flow);
  std::vector<uint64_t> items(flow.nodes.size(), 1);  // agent nodes: calls per run
  for (const ir::Node& n : flow.nodes) {
    if (n.kind() != ir::NodeKind::Agent) continue;
    ++s.agent_steps;
    std::optional<uint64_t> given = fanout_items(flow, n, default_items);
    if (!given) {
      s.unbounded = true;
      s.unbounded_steps.push_back(n.name);
    }
    items[n.id] = given.value_or(0);
    s.calls = add(s.calls, mul(items[n.id], runs[n.id]));
  }
  for (const ir::Node& n : flow.nodes) {
    switch (n.kind()) {
      case ir::NodeKind::Agent: break;
      case ir::NodeKind::Gate: {
        const ir::Gate& g = n.gate();
        ++s.gates;
        uint64_t reviews = std::count_if(g.checks.begin(), g.checks.end(), [](const ir::Check& c) {
          return c.kind == ir::Check::Kind::Review;
        });
        uint64_t attempts = 1 + static_cast<uint64_t>(std::max(g.retries, 0));
        // A per-item gate reviews every item of its fan-out, each up to 1 + retries times.
        uint64_t judged = 1;
        if (g.per_item)
          for (uint32_t m : g.members)
            if (flow.nodes[m].kind() == ir::NodeKind::Agent) judged = items[m];
        s.calls = add(s.calls, mul(mul(mul(reviews, attempts), judged), runs[n.id]));
        break;
      }
      case ir::NodeKind::Command: ++s.commands; break;
      case ir::NodeKind::Human: ++s.approvals; break;
    }
  }
  return s;
}

}  // namespace flow

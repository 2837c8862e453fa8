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

}  // namespace

CallStats worst_case_calls(const ir::Flow& flow) {
  CallStats s;
  s.nodes = flow.nodes.size();
  // How many times each node can run: the product of (1 + retries) of every gate around it.
  // A gate lists all its members, inner gates included, so one pass over the gates suffices.
  std::vector<uint64_t> runs(flow.nodes.size(), 1);
  for (const ir::Node& g : flow.nodes) {
    if (g.kind != ir::NodeKind::Gate) continue;
    uint64_t attempts = 1 + static_cast<uint64_t>(std::max(g.retries, 0));
    for (uint32_t m : g.members) runs[m] = mul(runs[m], attempts);
  }
  const std::vector<std::optional<uint64_t>> default_items = list_default_sizes(flow);
  for (const ir::Node& n : flow.nodes) {
    switch (n.kind) {
      case ir::NodeKind::Agent: {
        ++s.agent_steps;
        uint64_t items = 1;
        if (!n.fanout.empty()) {
          items = n.fanout.size();
        } else if (!n.fanout_step.empty()) {
          items = static_cast<uint64_t>(std::max(n.fanout_cap, 0));  // the step chooses, up to the cap
        } else if (!n.fanout_input.empty()) {
          std::optional<uint64_t> given;
          for (size_t i = 0; i < flow.inputs.size(); ++i)
            if (flow.inputs[i].name == n.fanout_input) given = default_items[i];
          if (given) {
            items = *given;
          } else {
            s.unbounded = true;
            s.unbounded_steps.push_back(n.name);
            items = 0;
          }
        }
        s.calls = add(s.calls, mul(items, runs[n.id]));
        break;
      }
      case ir::NodeKind::Gate: {
        ++s.gates;
        uint64_t reviews = std::count_if(n.checks.begin(), n.checks.end(), [](const ir::Check& c) {
          return c.kind == ir::Check::Kind::Review;
        });
        uint64_t attempts = 1 + static_cast<uint64_t>(std::max(n.retries, 0));
        s.calls = add(s.calls, mul(mul(reviews, attempts), runs[n.id]));
        break;
      }
      case ir::NodeKind::Command: ++s.commands; break;
      case ir::NodeKind::Human: ++s.approvals; break;
    }
  }
  return s;
}

}  // namespace flow

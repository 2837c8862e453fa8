#include "runtime/engine/dry_run.h"

#include <algorithm>

#include <fmt/format.h>

#include "ir/topo_order.h"
#include "lang/text.h"

namespace flow::rt {
namespace {

// Longest-path level of every node (1 = no dependencies), in one pass over a topological order.
std::vector<int> levels(const Plan& plan) {
  std::vector<int> level(plan.size(), 1);
  auto deps = [&](size_t i) -> const std::vector<uint32_t>& { return plan.deps(static_cast<uint32_t>(i)); };
  for (uint32_t id : ir::topo_order(plan.size(), deps))
    for (uint32_t d : plan.deps(id)) level[id] = std::max(level[id], level[d] + 1);
  return level;
}

int64_t multiplier(const Plan& plan, uint32_t id) {
  int64_t m = 1;
  for (uint32_t g : plan.guards(id)) m *= 1 + plan.flow().nodes[g].gate().retries;
  return m;
}

// The node's conditions as written, joined by "and": input ones hold (else the node would be
// skipped), step ones are decided during the run.
std::string conditions_text(const ir::Node& node) {
  std::string out;
  for (const ir::Condition& c : node.conditions)
    out += (out.empty() ? "" : " and ") + ir::describe(c);
  return out;
}

// Calls of one run of an agent node: its items for a fan-out (a step's choice: up to the cap).
int64_t calls_per_run(const Plan& plan, const ir::Node& node) {
  if (node.fanout_step() != ir::kNoId) return node.agent_call().fanout_cap;
  return node.is_fanout() ? static_cast<int64_t>(plan.node(node.id).items.size()) : 1;
}

}  // namespace

int64_t worst_case_calls(const Plan& plan) {
  int64_t total = 0;
  for (const ir::Node& node : plan.flow().nodes) {
    if (plan.node(node.id).skip) continue;
    if (node.kind() == ir::NodeKind::Agent) {
      total += calls_per_run(plan, node) * multiplier(plan, node.id);
    } else if (const ir::Gate* g = node.if_gate()) {
      int64_t reviews = std::count_if(g->checks.begin(), g->checks.end(), [](const ir::Check& c) {
        return c.kind == ir::Check::Kind::Review;
      });
      // A per-item gate reviews each item of its fan-out, each up to 1 + retries times.
      int64_t judged =
          g->per_item ? calls_per_run(plan, plan.flow().nodes[plan.fanout_of(node.id)]) : 1;
      total += reviews * (1 + g->retries) * judged * multiplier(plan, node.id);
    }
  }
  return total;
}

std::string describe_plan(const Plan& plan, const Router& router) {
  const ir::Flow& flow = plan.flow();
  size_t gate_nodes = std::count_if(flow.nodes.begin(), flow.nodes.end(), [](const ir::Node& n) {
    return n.kind() == ir::NodeKind::Gate;
  });
  std::string out = fmt::format("flow {}: {}, {} (dry run: nothing is executed)\n", flow.name,
                                text::plural(plan.size() - gate_nodes, "step"),
                                text::plural(gate_nodes, "gate"));
  std::vector<int> level = levels(plan);
  int depth = plan.size() ? *std::max_element(level.begin(), level.end()) : 0;
  std::vector<std::vector<uint32_t>> groups(depth + 1);
  for (uint32_t i = 0; i < plan.size(); ++i) groups[level[i]].push_back(i);

  out += "\nOrder (each group can run in parallel once the one before it has finished):\n";
  const int kMaxGroups = 100;
  const size_t kMaxNames = 12;
  for (int l = 1; l <= depth && l <= kMaxGroups; ++l) {
    std::string names;
    for (size_t k = 0; k < groups[l].size() && k < kMaxNames; ++k) {
      uint32_t id = groups[l][k];
      const ir::Node& node = flow.nodes[id];
      std::string name = node.name;
      if (node.kind() == ir::NodeKind::Agent && node.fanout_step() != ir::kNoId)
        name += fmt::format(" [up to {} items from {}]", node.agent_call().fanout_cap,
                            flow.node_name(node.fanout_step()));
      else if (node.kind() == ir::NodeKind::Agent && node.is_fanout())
        name += " [" + text::plural(plan.node(id).items.size(), "item") + "]";
      if (node.kind() == ir::NodeKind::Command) name += " (run)";
      if (node.kind() == ir::NodeKind::Human) name += " (approve)";
      if (plan.node(id).skip) name += " (skipped)";
      else if (!node.conditions.empty() && node.kind() != ir::NodeKind::Gate)
        name += " (when " + conditions_text(node) + ")";
      names += (names.empty() ? "" : ", ") + name;
    }
    if (groups[l].size() > kMaxNames)
      names += fmt::format(", ... {} more", groups[l].size() - kMaxNames);
    out += fmt::format("  {:>3}. {}\n", l, names);
  }
  if (depth > kMaxGroups) out += fmt::format("  ... {} more groups\n", depth - kMaxGroups);

  std::string gates;
  int gate_count = 0;
  for (const ir::Node& node : flow.nodes) {
    const ir::Gate* g = node.if_gate();
    if (!g) continue;
    if (++gate_count > 50) continue;
    std::string checks;
    for (const ir::Check& c : g->checks) {
      std::string what =
          c.kind == ir::Check::Kind::Review    ? "review by " + flow.agent_name(c.agent)
          : c.kind == ir::Check::Kind::Command ? "check `" + c.command + "`"
          : c.kind == ir::Check::Kind::Verdict ? "verdict of " + flow.node_name(c.step)
                                               : std::string("human approval");
      checks += (checks.empty() ? "" : ", then ") + what;
    }
    if (g->per_item) checks += " of each item on its own";
    gates += fmt::format("  {} on {}: {}; retries {}{}, else {}; guards {}{}\n", node.name,
                         g->target, checks, g->retries, g->per_item ? " per item" : "",
                         ir::to_string(g->on_exhausted), text::plural(g->members.size(), "step"),
                         g->back_to.empty() ? "" : "; sends back to " + g->back_to);
  }
  if (gate_count > 50) gates += fmt::format("  ... {} more gates\n", gate_count - 50);
  out += "\nGates:\n" + (gates.empty() ? std::string("  none\n") : gates);

  std::string backends;
  for (const ir::Agent& a : flow.agents) {
    std::string b = router.name_for(a.name, a.model);
    std::string entry = b == "sim" ? "sim (simulated agents)" : b;
    if (backends.find(entry) == std::string::npos) backends += (backends.empty() ? "" : ", ") + entry;
  }
  out += fmt::format("\nBackends: {}\n", backends.empty() ? "none (no agents)" : backends);
  out += fmt::format("Worst-case agent calls: {}\n", worst_case_calls(plan));
  out += fmt::format("Critical path: {} long\n", text::plural(depth, "step"));
  return out;
}

}  // namespace flow::rt

#include "runtime/engine/conditions.h"

namespace flow::rt {
namespace {

bool is_step_kind(ir::Condition::Kind k) {
  return k == ir::Condition::Kind::Passed || k == ir::Condition::Kind::PassedCleanly;
}

}  // namespace

std::string input_conditions_fail(const ir::Node& node, const InputValues& inputs) {
  for (const std::string& w : node.when) {
    const nlohmann::json* v = find_input(inputs, w);
    if (!v || !v->is_boolean() || !v->get<bool>()) return "input `" + w + "` is false";
  }
  for (const ir::Condition& c : node.conditions) {
    const nlohmann::json* v = find_input(inputs, c.name);
    if (c.kind == ir::Condition::Kind::Input) {
      bool value = v && v->is_boolean() && v->get<bool>();
      if (value == c.negated)
        return "input `" + c.name + "` is " + (value ? "true" : "false");
    } else if (c.kind == ir::Condition::Kind::Equals) {
      bool equal = v && v->is_string() && v->get<std::string>() == c.value;
      if (equal == c.negated) return "`" + ir::describe(c) + "` does not hold";
    }
  }
  return "";
}

std::string step_conditions_fail(const ir::Node& node,
                                 const std::function<NodeOutcome(uint32_t)>& outcome) {
  for (const ir::Condition& c : node.conditions) {
    if (!is_step_kind(c.kind)) continue;
    bool passed = false, unapproved = false;
    for (uint32_t id : c.nodes) {
      NodeOutcome o = outcome(id);
      passed = passed || o.done;
      unapproved = unapproved || o.unapproved;
    }
    bool holds = passed && (c.kind == ir::Condition::Kind::Passed || !unapproved);
    if (holds == c.negated) {
      std::string how = c.kind == ir::Condition::Kind::Passed ? "passed" : "passed cleanly";
      if (c.negated) return "`" + c.name + "` " + how;
      return "`" + c.name + "` did not pass" +
             (passed            ? " cleanly (a gate accepted it unapproved)"
              : c.nodes.empty() ? " (it has no steps)"
                                : " (it was skipped)");
    }
  }
  return "";
}

bool has_step_conditions(const ir::Node& node) {
  for (const ir::Condition& c : node.conditions)
    if (is_step_kind(c.kind)) return true;
  return false;
}

}  // namespace flow::rt

#include "compiler/ir.h"

namespace flow::ir {

const Agent* Flow::find_agent(const std::string& n) const {
  for (const Agent& a : agents)
    if (a.name == n) return &a;
  return nullptr;
}

const Node* Flow::find_node(const std::string& n) const {
  for (const Node& node : nodes)
    if (node.name == n) return &node;
  return nullptr;
}

const char* to_string(NodeKind k) {
  switch (k) {
    case NodeKind::Agent: return "agent";
    case NodeKind::Command: return "command";
    case NodeKind::Human: return "human";
    case NodeKind::Gate: return "gate";
  }
  return "?";
}

const char* to_string(OnExhausted k) {
  switch (k) {
    case OnExhausted::Stop: return "stop";
    case OnExhausted::Continue: return "continue";
    case OnExhausted::Ask: return "ask";
  }
  return "?";
}

const char* to_string(Check::Kind k) {
  switch (k) {
    case Check::Kind::Review: return "review";
    case Check::Kind::Command: return "command";
    case Check::Kind::Human: return "human";
    case Check::Kind::Verdict: return "verdict";
  }
  return "?";
}

const char* to_string(Rule::Kind k) {
  switch (k) {
    case Rule::Kind::Before: return "before";
    case Rule::Kind::EveryStepReviewedBy: return "every-step-reviewed-by";
    case Rule::Kind::AtMostCalls: return "at-most-calls";
    case Rule::Kind::WritesOnly: return "writes-only";
  }
  return "?";
}

}  // namespace flow::ir

#include "ir/ir.h"

namespace flow::ir {

namespace {
const std::string kNoName;
}  // namespace

void Node::set_kind(NodeKind k) {
  switch (k) {
    case NodeKind::Agent: payload.emplace<AgentCall>(); return;
    case NodeKind::Command: payload.emplace<CommandRun>(); return;
    case NodeKind::Human: payload.emplace<Approval>(); return;
    case NodeKind::Gate: payload.emplace<Gate>(); return;
  }
}

const std::string& Flow::agent_name(uint32_t agent) const {
  return agent < agents.size() ? agents[agent].name : kNoName;
}

const std::string& Flow::node_name(uint32_t node) const {
  return node < nodes.size() ? nodes[node].name : kNoName;
}

const std::string& Flow::stage_name(uint32_t stage) const {
  return stage < stages.size() ? stages[stage].name : kNoName;
}

const Agent* Flow::agent_of(const Node& n) const {
  const AgentCall* call = n.if_agent_call();
  return call && call->agent < agents.size() ? &agents[call->agent] : nullptr;
}

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
    case Rule::Kind::AtMostTokens: return "at-most-tokens";
    case Rule::Kind::AtMostCost: return "at-most-cost";
  }
  return "?";
}

namespace {

std::string replace_items(std::string_view pattern, std::string_view with) {
  std::string out;
  size_t from = 0;
  for (size_t at; (at = pattern.find(kItemPlaceholder, from)) != std::string_view::npos;
       from = at + kItemPlaceholder.size())
    out.append(pattern.substr(from, at - from)).append(with);
  return out.append(pattern.substr(from));
}

}  // namespace

std::string writes_for_item(std::string_view pattern, std::string_view item) {
  std::string segment;
  for (char c : item) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    segment += keep ? c : '_';
  }
  if (segment.empty() || segment == "." || segment == "..") segment = "_" + segment;
  return replace_items(pattern, segment);
}

std::string writes_for_any_item(std::string_view pattern) { return replace_items(pattern, "*"); }

std::string env_suffix(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    else if (c == '-' || c == '.') c = '_';
  }
  return out;
}

std::string describe(const Condition& c) {
  std::string quoted = "\"";
  for (char ch : c.value) {
    if (ch == '"' || ch == '\\') quoted += '\\';
    quoted += ch;
  }
  quoted += '"';
  switch (c.kind) {
    case Condition::Kind::Input: return (c.negated ? "not " : "") + c.name;
    case Condition::Kind::Equals: return c.name + (c.negated ? " != " : " == ") + quoted;
    case Condition::Kind::Passed: return (c.negated ? "not " : "") + c.name + " passed";
    case Condition::Kind::PassedCleanly:
      return (c.negated ? "not " : "") + c.name + " passed cleanly";
  }
  return "?";
}

const char* to_string(Condition::Kind k) {
  switch (k) {
    case Condition::Kind::Input: return "input";
    case Condition::Kind::Equals: return "equals";
    case Condition::Kind::Passed: return "passed";
    case Condition::Kind::PassedCleanly: return "passed-cleanly";
  }
  return "?";
}

}  // namespace flow::ir

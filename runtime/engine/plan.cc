#include "runtime/engine/plan.h"

#include <algorithm>

#include "ir/topo_order.h"

namespace flow::rt {

const char* to_string(State s) {
  switch (s) {
    case State::Waiting: return "waiting";
    case State::Ready: return "ready";
    case State::Running: return "running";
    case State::Done: return "done";
    case State::Skipped: return "skipped";
    case State::Failed: return "failed";
  }
  return "?";
}

Plan::Plan(const ir::Flow& flow, const InputValues& inputs) : flow_(flow) {
  const size_t n = flow.nodes.size();
  nodes_.resize(n);
  deps_.resize(n);
  dependents_.resize(n);
  guards_.resize(n);
  mark_.assign(n, 0);
  for (const ir::Node& node : flow.nodes)
    if (node.kind() == ir::NodeKind::Gate)
      for (uint32_t m : node.gate().members) guards_[m].push_back(node.id);

  for (const ir::Node& node : flow.nodes) {
    std::vector<uint32_t>& d = deps_[node.id];
    d = node.deps;
    for (uint32_t dep : node.deps)
      for (uint32_t g : guards_[dep]) {
        bool inside = g == node.id ||
                      std::find(guards_[node.id].begin(), guards_[node.id].end(), g) !=
                          guards_[node.id].end();
        if (!inside) d.push_back(g);
      }
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    d.erase(std::remove(d.begin(), d.end(), node.id), d.end());
    for (uint32_t dep : d) dependents_[dep].push_back(node.id);
  }

  for (const ir::Node& node : flow.nodes) {
    NodeState& s = nodes_[node.id];
    s.skip_reason = input_conditions_fail(node, inputs);
    s.skip = !s.skip_reason.empty();
    if (node.kind() != ir::NodeKind::Agent || !node.is_fanout()) continue;
    if (node.fanout_step() != ir::kNoId) {
      s.items_known = false;  // read from the step's answer once it has run
      continue;
    }
    if (!node.agent_call().fanout_input.empty()) {
      const nlohmann::json* v = find_input(inputs, node.agent_call().fanout_input);
      if (!v || !v->is_array()) {
        error_ = "step `" + node.name + "` fans out over `" + node.agent_call().fanout_input +
                 "`, which is not a list input";
        return;
      }
      for (const nlohmann::json& e : *v) s.items.push_back(input_text(e));
    } else {
      s.items = node.agent_call().fanout;
    }
    s.item_done.assign(s.items.size(), 0);
    s.rounds.assign(s.items.size(), ItemRound{});
  }

  // The effective deps must be acyclic too: bad IR must not hang the scheduler.
  std::vector<uint32_t> order = ir::topo_order(n, [&](size_t i) -> const std::vector<uint32_t>& {
    return deps_[i];
  });
  if (order.size() != n) {
    std::vector<bool> ordered(n);
    for (uint32_t id : order) ordered[id] = true;
    for (size_t i = 0; i < n; ++i)
      if (!ordered[i]) {
        error_ = "the IR has a dependency cycle through `" + flow.nodes[i].name +
                 "`; recompile the flow with flowc";
        break;
      }
  }
}

int Plan::task_count(uint32_t id) const {
  const ir::Node& node = flow_.nodes[id];
  if (node.kind() == ir::NodeKind::Gate && node.gate().per_item && fanout_of(id) != id)
    return task_count(fanout_of(id));
  if (node.kind() == ir::NodeKind::Gate) return static_cast<int>(node.gate().checks.size());
  if (node.kind() == ir::NodeKind::Agent && !nodes_[id].items_known)
    return node.agent_call().fanout_cap;
  if (node.kind() == ir::NodeKind::Agent && node.is_fanout())
    return static_cast<int>(nodes_[id].items.size());
  return 1;
}

int Plan::task_attempt(const Task& t) const {
  const NodeState& s = nodes_[t.node];
  int k = t.item >= 0 ? t.item : flow_.nodes[t.node].kind() == ir::NodeKind::Agent ? t.index : -1;
  if (k >= 0 && k < static_cast<int>(s.rounds.size())) return s.rounds[k].attempt;
  return s.attempt;
}

const std::string& Plan::item_feedback(uint32_t id, int index) const {
  const NodeState& s = nodes_[id];
  if (index >= 0 && index < static_cast<int>(s.rounds.size()) && !s.rounds[index].feedback.empty())
    return s.rounds[index].feedback;
  return s.feedback;
}

// The IR is validated: a per-item gate has exactly one agent member, its fan-out.
uint32_t Plan::fanout_of(uint32_t gate) const {
  for (uint32_t m : flow_.nodes[gate].gate().members)
    if (flow_.nodes[m].kind() == ir::NodeKind::Agent) return m;
  return gate;
}

std::vector<uint32_t> Plan::item_gates(uint32_t fanout) const {
  std::vector<uint32_t> out;
  for (uint32_t g : guards_[fanout])
    if (flow_.nodes[g].gate().per_item) out.push_back(g);
  std::stable_sort(out.begin(), out.end(), [this](uint32_t a, uint32_t b) {
    return flow_.nodes[a].gate().members.size() < flow_.nodes[b].gate().members.size();
  });
  return out;
}

// Rounds follow the items: a new list of items (chosen again) starts from the node's attempt,
// which is above every attempt its items had.
void Plan::size_rounds(uint32_t id) {
  NodeState& s = nodes_[id];
  const ir::Node& node = flow_.nodes[id];
  if (node.kind() == ir::NodeKind::Gate) {
    if (!node.gate().per_item) return;
    size_t n = nodes_[fanout_of(id)].items.size();
    if (s.rounds.size() == n && s.item_done.size() == n) return;
    s.rounds.assign(n, ItemRound{s.attempt});
    s.item_done.assign(n, 0);
    return;
  }
  if (s.rounds.size() != s.items.size()) s.rounds.assign(s.items.size(), ItemRound{s.attempt});
}

void Plan::start() {
  ready_.clear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    NodeState& s = nodes_[i];
    if (finished(static_cast<uint32_t>(i))) continue;
    s.state = State::Waiting;
    s.remaining = 0;
    for (uint32_t d : deps_[i]) s.remaining += finished(d) ? 0 : 1;
  }
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].state == State::Waiting && nodes_[i].remaining == 0)
      make_ready(static_cast<uint32_t>(i));
}

bool Plan::enqueue(uint32_t id) {
  NodeState& s = nodes_[id];
  const ir::Node& node = flow_.nodes[id];
  s.state = State::Ready;
  if (!s.skip && has_step_conditions(node)) {
    // Every node of the step a condition names is upstream (the compiler checks, E0402), so
    // its outcome is final now.
    s.skip_reason = step_conditions_fail(node, [this](uint32_t d) {
      NodeOutcome o;
      if (d < nodes_.size()) {
        o.done = nodes_[d].state == State::Done;
        o.unapproved = nodes_[d].unapproved;
      }
      return o;
    });
    s.skip = s.late_skip = !s.skip_reason.empty();
  }
  if (s.skip) {
    untasked_.push_back(id);
    return true;
  }
  if (node.kind() == ir::NodeKind::Gate) {
    s.next_check = 0;
    if (node.gate().checks.empty()) {
      untasked_.push_back(id);
      return true;
    }
    if (node.gate().per_item) return enqueue_items(id);
    ready_.push_back({id, 0});
  } else if (node.kind() == ir::NodeKind::Agent && !s.items_known) {
    needs_items_.push_back(id);  // set_items queues the items
  } else if (node.kind() == ir::NodeKind::Agent && node.is_fanout()) {
    s.items_left = 0;
    for (size_t i = 0; i < s.items.size(); ++i)
      if (!s.item_done[i]) {
        ready_.push_back({id, static_cast<int>(i)});
        ++s.items_left;
      }
    if (s.items_left == 0) {
      untasked_.push_back(id);
      return true;
    }
  } else {
    ready_.push_back({id, -1});
  }
  return false;
}

// A per-item gate judges every item that has not passed it, each on its own.
bool Plan::enqueue_items(uint32_t gate) {
  NodeState& s = nodes_[gate];
  size_rounds(gate);
  s.items_left = 0;
  for (size_t k = 0; k < s.item_done.size(); ++k)
    if (!s.item_done[k]) {
      ++s.items_left;
      judge_item(gate, static_cast<int>(k));
    }
  if (s.items_left > 0) return false;
  untasked_.push_back(gate);
  return true;
}

void Plan::judge_item(uint32_t gate, int item) {
  nodes_[gate].rounds[item].next_check = 0;
  ready_.push_back({gate, 0, item});
}

// `after` (the fan-out, or a per-item gate over it) is done with an item. The next per-item
// gate takes it at once if it is judging items already; else it takes every item when it
// becomes ready.
void Plan::item_ready(uint32_t after, int item) {
  const bool is_gate = flow_.nodes[after].kind() == ir::NodeKind::Gate;
  const uint32_t fan = is_gate ? fanout_of(after) : after;
  std::vector<uint32_t> chain = item_gates(fan);
  size_t next = 0;
  if (is_gate) next = std::find(chain.begin(), chain.end(), after) - chain.begin() + 1;
  if (next < chain.size() && active(chain[next])) judge_item(chain[next], item);
}

void Plan::make_ready(uint32_t id) {
  if (enqueue(id)) complete(id);
}

bool Plan::pop_ready(Task* task) {
  if (ready_.empty()) return false;
  *task = ready_.front();
  ready_.pop_front();
  nodes_[task->node].state = State::Running;
  return true;
}

void Plan::complete(uint32_t id) {
  // A worklist rather than recursion: empty fan-outs and gates without checks can chain.
  std::vector<uint32_t> work{id};
  while (!work.empty()) {
    uint32_t n = work.back();
    work.pop_back();
    nodes_[n].state = nodes_[n].skip ? State::Skipped : State::Done;
    ++finished_;
    for (uint32_t d : dependents_[n]) {
      NodeState& ds = nodes_[d];
      if (ds.state != State::Waiting || --ds.remaining > 0) continue;
      if (enqueue(d)) work.push_back(d);
    }
  }
}

bool Plan::finish_task(const Task& t) {
  NodeState& s = nodes_[t.node];
  if (t.index >= 0 && t.index < static_cast<int>(s.item_done.size())) {
    if (s.item_done[t.index]) return false;
    s.item_done[t.index] = 1;
    item_ready(t.node, t.index);
    if (--s.items_left > 0) return false;
  }
  complete(t.node);
  return true;
}

bool Plan::check_passed(uint32_t gate) {
  NodeState& s = nodes_[gate];
  if (++s.next_check < static_cast<int>(flow_.nodes[gate].gate().checks.size())) {
    ready_.push_back({gate, s.next_check});
    return false;
  }
  complete(gate);
  return true;
}

bool Plan::can_send_back(uint32_t gate) const {
  return nodes_[gate].sent_back < flow_.nodes[gate].gate().retries;
}

std::vector<uint32_t> Plan::send_back(uint32_t gate, const std::string& feedback) {
  const ir::Node& g = flow_.nodes[gate];
  ++stamp_;
  std::vector<uint32_t> reset;
  // Members skipped by an input condition stay skipped; those skipped by a step's outcome
  // are decided again. (A damaged IR may list the gate among its members.)
  for (uint32_t m : g.gate().members)
    if (m != gate && (nodes_[m].state != State::Skipped || nodes_[m].late_skip)) {
      mark_[m] = stamp_;
      reset.push_back(m);
    }
  std::sort(reset.begin(), reset.end());
  reset.erase(std::unique(reset.begin(), reset.end()), reset.end());
  mark_[gate] = stamp_;

  for (uint32_t m : reset) {
    NodeState& s = nodes_[m];
    bool was_done = s.state == State::Done || s.state == State::Skipped;
    if (was_done) --finished_;
    if (s.late_skip) {
      s.skip = s.late_skip = false;
      s.skip_reason.clear();
    }
    s.state = State::Waiting;
    ++s.attempt;
    s.feedback = feedback;
    std::fill(s.item_done.begin(), s.item_done.end(), 0);
    for (ItemRound& r : s.rounds) r = ItemRound{r.attempt + 1};
    if (flow_.nodes[m].fanout_step() != ir::kNoId) {  // the step chooses again
      s.items_known = false;
      s.items.clear();
      s.item_done.clear();
      s.rounds.clear();
    }
    if (flow_.nodes[m].kind() == ir::NodeKind::Gate) {
      s.sent_back = 0;
      s.unapproved = false;
    }
    // Work outside the gate that already counted this member as finished must count again.
    if (was_done)
      for (uint32_t d : dependents_[m])
        if (mark_[d] != stamp_ && nodes_[d].state == State::Waiting) ++nodes_[d].remaining;
  }
  NodeState& gs = nodes_[gate];
  if (gs.state == State::Done) --finished_;
  gs.state = State::Waiting;
  ++gs.sent_back;
  ++gs.attempt;
  reset.push_back(gate);
  for (uint32_t m : reset) {
    NodeState& s = nodes_[m];
    s.remaining = 0;
    for (uint32_t d : deps_[m]) s.remaining += finished(d) ? 0 : 1;
  }
  for (uint32_t m : reset)
    if (nodes_[m].state == State::Waiting && nodes_[m].remaining == 0) make_ready(m);
  reset.pop_back();
  return reset;
}

std::vector<uint32_t> Plan::rework(uint32_t gate, const std::string& feedback) {
  std::vector<uint32_t> again = send_back(gate, feedback);
  nodes_[gate].sent_back = 0;
  return again;
}

void Plan::accept(uint32_t gate, bool unapproved) {
  nodes_[gate].unapproved = unapproved;
  complete(gate);
}

void Plan::fail(uint32_t id) { nodes_[id].state = State::Failed; }

}  // namespace flow::rt

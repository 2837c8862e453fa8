// The plan's per-item gates (`review each` on a fan-out): each item is judged, accepted, sent
// back and retried on its own (runtime/engine/plan.h).
#include <algorithm>

#include "runtime/engine/plan.h"

namespace flow::rt {

bool Plan::item_check_passed(uint32_t gate, int item) {
  ItemRound& r = nodes_[gate].rounds[item];
  if (++r.next_check < static_cast<int>(flow_.nodes[gate].gate().checks.size())) {
    ready_.push_back({gate, r.next_check, item});
    return false;
  }
  return accept_item(gate, item, false);
}

bool Plan::accept_item(uint32_t gate, int item, bool unapproved) {
  size_rounds(gate);
  NodeState& s = nodes_[gate];
  if (item < 0 || item >= static_cast<int>(s.item_done.size()) || s.item_done[item]) return false;
  s.item_done[item] = 1;
  s.rounds[item].unapproved = unapproved;
  s.unapproved = s.unapproved || unapproved;
  // A gate that is not judging yet (a resume, before start) counts its items when it is.
  if (!active(gate)) return false;
  item_ready(gate, item);
  if (--s.items_left > 0) return false;
  complete(gate);
  return true;
}

bool Plan::item_passed(uint32_t gate, int item) const {
  const NodeState& s = nodes_[gate];
  return item >= 0 && item < static_cast<int>(s.item_done.size()) && s.item_done[item];
}

bool Plan::can_send_back_item(uint32_t gate, int item) const {
  const std::vector<ItemRound>& rounds = nodes_[gate].rounds;
  int sent = item >= 0 && item < static_cast<int>(rounds.size()) ? rounds[item].sent_back : 0;
  return sent < flow_.nodes[gate].gate().retries;
}

std::vector<uint32_t> Plan::send_back_item(uint32_t gate, int item, const std::string& feedback) {
  const uint32_t fan = fanout_of(gate);
  size_rounds(fan);
  size_rounds(gate);
  NodeState& fs = nodes_[fan];
  ItemRound& work = fs.rounds[item];
  ++work.attempt;
  work.feedback = feedback;
  fs.attempt = std::max(fs.attempt + 1, work.attempt);  // the combined output is rebuilt
  if (fs.item_done[item]) {
    fs.item_done[item] = 0;
    reopen(fan);
    ++fs.items_left;
  }
  ready_.push_back({fan, item});
  std::vector<uint32_t> chain = item_gates(fan);
  for (uint32_t inner : chain) {
    if (inner == gate) break;
    reset_item(inner, item, true);
  }
  reset_item(gate, item, false);
  return {fan};
}

std::vector<uint32_t> Plan::rework_item(uint32_t gate, int item, const std::string& feedback) {
  std::vector<uint32_t> again = send_back_item(gate, item, feedback);
  nodes_[gate].rounds[item].sent_back = 0;
  return again;
}

// The gate judges the item again, from its first check, under a new evaluation number.
void Plan::reset_item(uint32_t gate, int item, bool fresh_budget) {
  size_rounds(gate);
  NodeState& s = nodes_[gate];
  ItemRound& r = s.rounds[item];
  r = ItemRound{r.attempt + 1, fresh_budget ? 0 : r.sent_back + 1};
  s.attempt = std::max(s.attempt, r.attempt);
  s.unapproved = false;
  for (const ItemRound& o : s.rounds) s.unapproved = s.unapproved || o.unapproved;
  if (!s.item_done[item]) return;
  s.item_done[item] = 0;
  ++s.items_left;
  reopen(gate);
}

// Work outside that counted the node as finished waits for it again; what judges its items
// (its per-item gates) goes on running.
void Plan::reopen(uint32_t id) {
  if (!finished(id)) return;
  --finished_;
  nodes_[id].state = State::Running;
  for (uint32_t d : dependents_[id])
    if (nodes_[d].state == State::Waiting) ++nodes_[d].remaining;
}

}  // namespace flow::rt

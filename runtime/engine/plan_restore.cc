// Rebuilding a plan from a resumed run's events (runtime/engine/restore.cc replays them): the
// states, attempts, items and verdicts the run had reached.
#include <algorithm>

#include "runtime/engine/plan.h"

namespace flow::rt {

void Plan::restore_done(uint32_t id) {
  if (finished(id)) return;
  nodes_[id].state = State::Done;
  ++finished_;
}

void Plan::restore_unapproved(uint32_t gate) { nodes_[gate].unapproved = true; }

std::vector<uint32_t> Plan::take_needs_items() {
  std::vector<uint32_t> out;
  out.swap(needs_items_);
  return out;
}

void Plan::restore_items(uint32_t id, std::vector<std::string> items) {
  NodeState& s = nodes_[id];
  s.items = std::move(items);
  s.item_done.assign(s.items.size(), 0);
  s.rounds.assign(s.items.size(), ItemRound{s.attempt});
  s.items_known = true;
}

void Plan::set_items(uint32_t id, std::vector<std::string> items) {
  restore_items(id, std::move(items));
  if (nodes_[id].state == State::Ready) make_ready(id);
}

std::vector<uint32_t> Plan::take_untasked() {
  std::vector<uint32_t> out;
  out.swap(untasked_);
  return out;
}

void Plan::restore_attempt(uint32_t id, int at_least) {
  if (nodes_[id].attempt < at_least) nodes_[id].attempt = at_least;
}

void Plan::restore_item_check(uint32_t gate, int item, int check) {
  size_rounds(gate);
  NodeState& s = nodes_[gate];
  if (item < 0 || item >= static_cast<int>(s.item_done.size())) return;
  // The checks run in order: the last one passing means the item passed them all.
  if (check + 1 >= static_cast<int>(flow_.nodes[gate].gate().checks.size())) s.item_done[item] = 1;
}

void Plan::restore_item_accepted(uint32_t gate, int item) {
  size_rounds(gate);
  NodeState& s = nodes_[gate];
  if (item < 0 || item >= static_cast<int>(s.item_done.size())) return;
  s.item_done[item] = 1;
  s.rounds[item].unapproved = s.unapproved = true;
}

void Plan::restore_item_attempt(uint32_t gate, int item, int at_least) {
  size_rounds(gate);
  NodeState& s = nodes_[gate];
  if (item < 0 || item >= static_cast<int>(s.rounds.size())) return;
  s.rounds[item].attempt = std::max(s.rounds[item].attempt, at_least);
  s.attempt = std::max(s.attempt, at_least);
}

void Plan::restore_item(uint32_t id, int index) {
  NodeState& s = nodes_[id];
  if (index >= 0 && index < static_cast<int>(s.item_done.size())) s.item_done[index] = 1;
}

}  // namespace flow::rt

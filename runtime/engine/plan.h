#pragma once
// What can run next. The Plan holds the state of every IR node and a FIFO of ready tasks;
// the scheduler pops tasks, runs them and reports back. No I/O here, so it is tested directly.
//
// Dependencies are the IR's `deps` plus, for each dep, the gates that guard it (unless this
// node is itself guarded by that gate): work that depends on a gated step waits for the gate
// to pass, whatever the lowering put in `deps`.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/engine/conditions.h"
#include "runtime/engine/inputs.h"

namespace flow::rt {

enum class State : uint8_t {
  Waiting,  // some dependency has not finished
  Ready,    // queued; tasks not yet dispatched
  Running,  // at least one task dispatched
  Done,
  Skipped,  // a `when` condition does not hold; counts as finished
  Failed,
};
const char* to_string(State s);

// One unit of work: a plain step (index -1), one fan-out item, or one check of a gate.
struct Task {
  uint32_t node = 0;
  int index = -1;
  int item = -1;  // a check of a per-item gate: the fan-out item it judges; -1 otherwise
};

// One item of a fan-out, or of a per-item gate (`review each` on a fan-out, ir::Node::per_item).
// Attempt numbers never repeat for an item (they name its files): the node's own attempt is
// always at least each item's, and a fresh list of items starts from it.
struct ItemRound {
  int attempt = 1;       // fan-out: the item's attempt; per-item gate: its evaluations of it
  int sent_back = 0;     // per-item gate: times the item was sent back on the current budget
  int next_check = 0;    // per-item gate: the check being run for the item
  bool unapproved = false;  // per-item gate: accepted after exhausting its retries
  std::string feedback{};  // fan-out: from the per-item gate that last sent the item back
};

struct NodeState {
  State state = State::Waiting;
  int attempt = 1;         // bumped whenever the node is sent back (gates: every evaluation)
  int remaining = 0;       // unfinished dependencies, while Waiting
  int sent_back = 0;       // gates: times the work was sent back in this round
  int items_left = 0;      // fan-out: items not finished; per-item gate: items not passed
  int next_check = 0;      // gates: the check being run
  bool unapproved = false; // gates: accepted after exhausting retries
  // A `when` input is false. The node still waits for its dependencies and then completes
  // without running, so what comes after it keeps the order it would have had.
  bool skip = false;
  // A condition on an earlier step's outcome does not hold, found when the node became ready
  // (the other skips are known when the run starts); `skip_reason` says why.
  bool late_skip = false;
  std::string skip_reason;
  std::string feedback;    // from the gate that last sent this node back; "" at first
  std::vector<std::string> items;  // fan-out items (literal, the list input's, or chosen)
  // A fan-out over a step's answer: false until the scheduler has read the items from it
  // (set_items). Every other node has its items from the start.
  bool items_known = true;
  std::vector<uint8_t> item_done;  // per item, in this attempt (per-item gate: passed)
  std::vector<ItemRound> rounds;   // fan-outs and per-item gates: per item (sized with items)
};

class Plan {
 public:
  Plan(const ir::Flow& flow, const InputValues& inputs);

  // "" when the graph is usable; else what is wrong (a cycle, a missing list input).
  const std::string& error() const { return error_; }

  const ir::Flow& flow() const { return flow_; }
  size_t size() const { return nodes_.size(); }
  const NodeState& node(uint32_t id) const { return nodes_[id]; }
  const std::vector<uint32_t>& deps(uint32_t id) const { return deps_[id]; }
  const std::vector<uint32_t>& dependents(uint32_t id) const { return dependents_[id]; }
  const std::vector<uint32_t>& guards(uint32_t id) const { return guards_[id]; }
  // Total tasks of the node in one attempt (fan-out items, gate checks, or 1); for a per-item
  // gate, its fan-out's items.
  int task_count(uint32_t id) const;
  // The attempt a task runs as: its item's for a fan-out item or a per-item gate's check.
  int task_attempt(const Task& t) const;
  // What a fan-out item's prompt carries back: the feedback that sent it back on its own, else
  // the node's.
  const std::string& item_feedback(uint32_t id, int index) const;
  // The fan-out a per-item gate judges the items of.
  uint32_t fanout_of(uint32_t gate) const;

  // Skips nodes whose `when` is false, counts dependencies and queues what is ready. Call once
  // after construction (and after replaying a resumed run's events).
  void start();
  bool pop_ready(Task* task);
  bool has_ready() const { return !ready_.empty(); }

  // A plain task or fan-out item finished successfully. True when the node is now Done.
  bool finish_task(const Task& task);
  // The gate's current check passed: queues the next one or completes the gate (true).
  bool check_passed(uint32_t gate);
  bool can_send_back(uint32_t gate) const;
  // Sends a gate's work back: its members wait again with attempt+1 and the feedback. Returns
  // the members that will run again, in node order.
  std::vector<uint32_t> send_back(uint32_t gate, const std::string& feedback);
  // A resume sending back the work of a gate that had run out of retries (or whose last
  // attempt a person refused): as send_back, and the gate's budget of retries starts afresh.
  std::vector<uint32_t> rework(uint32_t gate, const std::string& feedback);
  void accept(uint32_t gate, bool unapproved);  // completes a gate that ran out of retries
  void fail(uint32_t id);

  // Per-item gates judge, send back and accept one item at a time. The ones that complete the
  // gate (every item passed) return true; an item that passes is handed to the next per-item
  // gate over the fan-out when that one is judging already.
  bool item_check_passed(uint32_t gate, int item);
  bool can_send_back_item(uint32_t gate, int item) const;
  // Sends one item back to its fan-out with the feedback: it runs again as its next attempt,
  // and the per-item gates inside this one judge it again on a fresh budget. Returns the
  // fan-out.
  std::vector<uint32_t> send_back_item(uint32_t gate, int item, const std::string& feedback);
  std::vector<uint32_t> rework_item(uint32_t gate, int item, const std::string& feedback);
  bool accept_item(uint32_t gate, int item, bool unapproved);
  bool item_passed(uint32_t gate, int item) const;

  size_t finished_count() const { return finished_; }
  bool all_finished() const { return finished_ == nodes_.size(); }

  // Fan-outs over a step's answer that are ready but whose items are not read yet, since the
  // last call. The scheduler reads each one's items and calls set_items (or fails the run).
  std::vector<uint32_t> take_needs_items();
  // The chosen items of a fan-out over a step's answer: queues its tasks (a ready node) or
  // completes it when there are none.
  void set_items(uint32_t id, std::vector<std::string> items);
  // Replaying a resumed run: the items recorded for the current attempt (nothing is queued).
  void restore_items(uint32_t id, std::vector<std::string> items);

  // Nodes completed without running a task (an empty fan-out, a fan-out whose items were all
  // restored, a gate without checks, a skipped node) since the last call, in order.
  std::vector<uint32_t> take_untasked();

  // Replaying a resumed run, before start().
  void restore_done(uint32_t id);
  void restore_unapproved(uint32_t gate);  // a gate_pass event said "unapproved": true
  void restore_item(uint32_t id, int index);
  // The next attempt of `id` is numbered at least `at_least` (gate files are never reused).
  void restore_attempt(uint32_t id, int at_least);
  // A per-item gate's check `check` passed `item` (a PASS verdict), or its `else` accepted it.
  void restore_item_check(uint32_t gate, int item, int check);
  void restore_item_accepted(uint32_t gate, int item);
  void restore_item_attempt(uint32_t gate, int item, int at_least);

 private:
  bool enqueue(uint32_t id);  // queues the node's tasks; true when it has none (finish it)
  bool enqueue_items(uint32_t gate);  // a per-item gate's part of enqueue
  void make_ready(uint32_t id);
  void complete(uint32_t id);
  void reopen(uint32_t id);  // a finished node has work again (one item)
  void size_rounds(uint32_t id);
  std::vector<uint32_t> item_gates(uint32_t fanout) const;  // innermost first
  void judge_item(uint32_t gate, int item);  // queues the gate's first check of the item
  void reset_item(uint32_t gate, int item, bool fresh_budget);  // the gate judges it again
  void item_ready(uint32_t after, int item);  // `after` is done with the item: the next judges
  bool active(uint32_t id) const {
    return nodes_[id].state == State::Ready || nodes_[id].state == State::Running;
  }
  bool finished(uint32_t id) const {
    return nodes_[id].state == State::Done || nodes_[id].state == State::Skipped;
  }

  const ir::Flow& flow_;
  std::vector<NodeState> nodes_;
  std::vector<std::vector<uint32_t>> deps_, dependents_, guards_;
  std::deque<Task> ready_;
  std::vector<uint32_t> untasked_, needs_items_;
  size_t finished_ = 0;
  std::vector<uint32_t> mark_;  // scratch membership marks, valid when == stamp_
  uint32_t stamp_ = 0;
  std::string error_;
};

}  // namespace flow::rt

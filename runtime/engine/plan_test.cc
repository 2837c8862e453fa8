#include "runtime/engine/plan.h"

#include <catch2/catch.hpp>

#include "runtime/testing.h"

using namespace flow;
using namespace flow::rt;
using flow::rt::testing::drain;
using flow::rt::testing::FlowBuilder;

TEST_CASE("work after a gated step depends on the gate, whatever the IR's deps say") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t g = b.review_gate(a, {a});
  uint32_t c = b.agent("c", {a});  // lowered as if it only needed `a`
  Plan p(b.flow, {});
  REQUIRE(p.error().empty());
  CHECK(p.deps(c) == std::vector<uint32_t>{a, g});
  CHECK(p.deps(g) == std::vector<uint32_t>{a});  // the gate never waits on itself
  p.start();
  CHECK(drain(p) == std::vector<uint32_t>{a});
  CHECK(p.finish_task({a, -1}));
  CHECK(drain(p) == std::vector<uint32_t>{g});  // not c
  CHECK(p.check_passed(g));
  CHECK(drain(p) == std::vector<uint32_t>{c});
}

TEST_CASE("sending work back resets the members, bumps attempts and keeps the feedback") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t c = b.agent("c", {a});
  uint32_t g = b.review_gate(c, {a, c}, "critic", 1);
  uint32_t d = b.agent("d", {g});
  Plan p(b.flow, {});
  p.start();
  drain(p);
  p.finish_task({a, -1});
  drain(p);
  p.finish_task({c, -1});
  drain(p);
  CHECK(p.finished_count() == 2);
  REQUIRE(p.can_send_back(g));
  CHECK(p.send_back(g, "shorter please") == std::vector<uint32_t>{a, c});
  CHECK(p.finished_count() == 0);
  CHECK(p.node(a).attempt == 2);
  CHECK(p.node(c).attempt == 2);
  CHECK(p.node(c).feedback == "shorter please");
  CHECK(p.node(d).state == State::Waiting);
  CHECK(drain(p) == std::vector<uint32_t>{a});
  p.finish_task({a, -1});
  CHECK(drain(p) == std::vector<uint32_t>{c});
  p.finish_task({c, -1});
  CHECK(drain(p) == std::vector<uint32_t>{g});
  CHECK_FALSE(p.can_send_back(g));  // retries 1: used up
  p.accept(g, true);
  CHECK(p.node(g).unapproved);
  CHECK(drain(p) == std::vector<uint32_t>{d});
  p.finish_task({d, -1});
  CHECK(p.all_finished());
}

TEST_CASE("a rework sends the work back with a fresh budget of retries") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t g = b.review_gate(a, {a}, "critic", 1);
  Plan p(b.flow, {});
  p.start();
  drain(p);
  p.finish_task({a, -1});
  drain(p);
  REQUIRE(p.can_send_back(g));
  p.send_back(g, "first");
  drain(p);
  p.finish_task({a, -1});
  drain(p);
  REQUIRE_FALSE(p.can_send_back(g));  // retries 1: used up
  CHECK(p.rework(g, "last") == std::vector<uint32_t>{a});
  CHECK(p.node(a).attempt == 3);
  CHECK(p.node(a).feedback == "last");
  CHECK(p.node(g).attempt == 3);
  CHECK(p.can_send_back(g));
  CHECK(drain(p) == std::vector<uint32_t>{a});
}

TEST_CASE("a dependency cycle in the IR is reported, not run") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t c = b.agent("c", {a});
  b.flow.nodes[a].deps = {c};
  Plan p(b.flow, {});
  CHECK(p.error() == "the IR has a dependency cycle through `a`; recompile the flow with flowc");
}

TEST_CASE("an empty fan-out finishes at once and releases what follows") {
  FlowBuilder b;
  ir::Input in;
  in.name = "items";
  in.type = "list";
  b.flow.inputs.push_back(in);
  ir::Node fan;
  fan.name = "fan";
  fan.agent_call().agent = b.declare("worker");
  fan.agent_call().fanout_input = "items";
  b.declare("worker");
  uint32_t f = b.add(fan);
  uint32_t after = b.agent("after", {f});
  Plan p(b.flow, {{"items", nlohmann::json::array()}});
  p.start();
  CHECK(p.node(f).state == State::Done);
  CHECK(drain(p) == std::vector<uint32_t>{after});
}

TEST_CASE("a fan-out over something that is not a list is an error") {
  FlowBuilder b;
  ir::Node fan;
  fan.name = "fan";
  fan.agent_call().agent = b.declare("worker");
  fan.agent_call().fanout_input = "nope";
  b.add(fan);
  Plan p(b.flow, {});
  CHECK(p.error() == "step `fan` fans out over `nope`, which is not a list input");
}

TEST_CASE("restored steps are not queued again, partly done fan-outs queue the rest") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  ir::Node fan;
  fan.name = "fan";
  fan.agent_call().agent = b.declare("worker");
  fan.agent_call().fanout = {"x", "y", "z"};
  fan.deps = {a};
  b.declare("worker");
  uint32_t f = b.add(fan);
  Plan p(b.flow, {});
  p.restore_done(a);
  p.restore_item(f, 1);
  p.start();
  std::vector<int> items;
  Task t;
  while (p.pop_ready(&t)) {
    CHECK(t.node == f);
    items.push_back(t.index);
  }
  CHECK(items == std::vector<int>{0, 2});
  CHECK_FALSE(p.finish_task({f, 0}));
  CHECK(p.finish_task({f, 2}));
  CHECK(p.all_finished());
}

TEST_CASE("a fan-out over a step's answer waits for its items, then runs them or none") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t f = b.agent("f", {a});
  b.flow.nodes[f].agent_call().fanout_step = a;
  b.flow.nodes[f].agent_call().fanout_cap = 3;
  uint32_t z = b.agent("z", {f});
  Plan p(b.flow, {});
  REQUIRE(p.error().empty());
  CHECK_FALSE(p.node(f).items_known);
  CHECK(p.task_count(f) == 3);  // before the items are known: the cap
  p.start();
  CHECK(drain(p) == std::vector<uint32_t>{a});
  CHECK(p.finish_task({a, -1}));
  CHECK(drain(p).empty());  // no task until the items are read
  CHECK(p.take_needs_items() == std::vector<uint32_t>{f});
  p.set_items(f, {"x", "y"});
  std::vector<Task> tasks;
  Task t;
  while (p.pop_ready(&t)) tasks.push_back(t);
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[1].index == 1);
  CHECK_FALSE(p.finish_task(tasks[0]));
  CHECK(p.finish_task(tasks[1]));
  CHECK(drain(p) == std::vector<uint32_t>{z});

  Plan empty(b.flow, {});
  empty.start();
  drain(empty);
  empty.finish_task({a, -1});
  CHECK(empty.take_needs_items() == std::vector<uint32_t>{f});
  empty.set_items(f, {});
  CHECK(empty.take_untasked() == std::vector<uint32_t>{f});  // done without a call
  CHECK(drain(empty) == std::vector<uint32_t>{z});
}

TEST_CASE("sending a fan-out over a step's answer back makes it read its items again") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t f = b.agent("f", {a});
  b.flow.nodes[f].agent_call().fanout_step = a;
  b.flow.nodes[f].agent_call().fanout_cap = 3;
  uint32_t g = b.review_gate(f, {a, f});
  Plan p(b.flow, {});
  p.start();
  drain(p);
  p.finish_task({a, -1});
  p.take_needs_items();
  p.set_items(f, {"x"});
  drain(p);
  CHECK(p.finish_task({f, 0}));
  drain(p);
  p.send_back(g, "again");
  CHECK_FALSE(p.node(f).items_known);
  CHECK(p.node(f).items.empty());
  CHECK(drain(p) == std::vector<uint32_t>{a});
  p.finish_task({a, -1});
  CHECK(p.take_needs_items() == std::vector<uint32_t>{f});
}

namespace {

// A fan-out over x, y, z under a per-item review gate (`review each` on a fan-out), and a step
// after it.
struct PerItem {
  FlowBuilder b;
  uint32_t fan = 0, gate = 0, after = 0;
  explicit PerItem(int retries = 1) {
    ir::Node n;
    n.name = "fan";
    n.agent_call().agent = b.declare("worker");
    n.agent_call().fanout = {"x", "y", "z"};
    b.declare("worker");
    fan = b.add(n);
    gate = b.review_gate(fan, {fan}, "critic", retries);
    b.flow.nodes[gate].gate().per_item = true;
    after = b.agent("after", {gate});
  }
};

std::vector<Task> tasks_of(Plan& p) {
  std::vector<Task> out;
  Task t;
  while (p.pop_ready(&t)) out.push_back(t);
  return out;
}

std::vector<int> items_of(const std::vector<Task>& tasks) {
  std::vector<int> out;
  for (const Task& t : tasks) out.push_back(t.item >= 0 ? t.item : t.index);
  return out;
}

}  // namespace

TEST_CASE("a per-item gate judges each item and sends back only the one that failed") {
  PerItem f;
  Plan p(f.b.flow, {});
  REQUIRE(p.error().empty());
  CHECK(p.task_count(f.gate) == 3);
  p.start();
  CHECK(items_of(tasks_of(p)) == std::vector<int>{0, 1, 2});  // the fan-out's items
  for (int k = 0; k < 3; ++k) p.finish_task({f.fan, k});
  std::vector<Task> reviews = tasks_of(p);
  REQUIRE(reviews.size() == 3);  // one review per item, all at once
  CHECK(items_of(reviews) == std::vector<int>{0, 1, 2});
  CHECK(reviews[1].node == f.gate);
  CHECK(reviews[1].index == 0);  // the gate's first check

  CHECK_FALSE(p.item_check_passed(f.gate, 0));
  REQUIRE(p.can_send_back_item(f.gate, 1));
  CHECK(p.send_back_item(f.gate, 1, "y is thin") == std::vector<uint32_t>{f.fan});
  // Only y runs again, as its attempt 2, with its own feedback; x and z keep theirs.
  std::vector<Task> again = tasks_of(p);
  REQUIRE(again.size() == 1);
  CHECK(again[0].node == f.fan);
  CHECK(again[0].index == 1);
  CHECK(p.task_attempt(again[0]) == 2);
  CHECK(p.item_feedback(f.fan, 1) == "y is thin");
  CHECK(p.item_feedback(f.fan, 0).empty());
  CHECK(p.task_attempt({f.fan, 0}) == 1);
  CHECK(p.node(f.fan).state == State::Running);
  CHECK_FALSE(p.can_send_back_item(f.gate, 1));  // retries 1: y's budget is used
  CHECK(p.can_send_back_item(f.gate, 2));        // z has its own

  CHECK_FALSE(p.item_check_passed(f.gate, 2));  // z's review was still running
  CHECK(p.finish_task(again[0]));                // the fan-out is whole again
  std::vector<Task> review = tasks_of(p);        // and y alone is judged again
  REQUIRE(review.size() == 1);
  CHECK(review[0].item == 1);
  CHECK(p.task_attempt(review[0]) == 2);  // the gate's second evaluation of y
  CHECK(p.node(f.after).state == State::Waiting);
  CHECK(p.item_check_passed(f.gate, 1));  // the last item: the gate passes
  CHECK(drain(p) == std::vector<uint32_t>{f.after});
  CHECK(p.node(f.fan).attempt >= 2);  // a new combined output, under a new number
}

TEST_CASE("a per-item gate's else accepts one item, and the gate is then unapproved") {
  PerItem f(0);
  Plan p(f.b.flow, {});
  p.start();
  CHECK(items_of(tasks_of(p)) == std::vector<int>{0, 1, 2});  // the fan-out's items
  for (int k = 0; k < 3; ++k) p.finish_task({f.fan, k});
  tasks_of(p);
  CHECK_FALSE(p.can_send_back_item(f.gate, 0));
  CHECK_FALSE(p.accept_item(f.gate, 0, true));
  CHECK_FALSE(p.item_check_passed(f.gate, 1));
  CHECK(p.item_check_passed(f.gate, 2));
  CHECK(p.node(f.gate).unapproved);
}

TEST_CASE("nested per-item gates pass an item inside out, and the outer one's send-back is "
          "judged again inside on a fresh budget") {
  PerItem f(1);
  // An outer per-item gate over the same fan-out (an enclosing block's `review each`).
  ir::Node outer = f.b.flow.nodes[f.gate];
  outer.name = "fan/gate-2";
  outer.gate().members = {f.fan, f.gate};
  outer.deps = {f.gate};
  uint32_t g2 = f.b.add(outer);
  f.b.flow.nodes[f.after].deps = {g2};
  Plan p(f.b.flow, {});
  REQUIRE(p.error().empty());
  p.start();
  CHECK(items_of(tasks_of(p)) == std::vector<int>{0, 1, 2});  // the fan-out's items
  for (int k = 0; k < 3; ++k) p.finish_task({f.fan, k});
  tasks_of(p);
  p.send_back_item(f.gate, 0, "inner");  // x: the inner budget is used
  tasks_of(p);
  CHECK(p.finish_task({f.fan, 0}));
  tasks_of(p);
  CHECK_FALSE(p.item_check_passed(f.gate, 1));
  CHECK_FALSE(p.item_check_passed(f.gate, 2));
  CHECK(p.item_check_passed(f.gate, 0));  // the inner gate passes: the outer one starts
  CHECK(items_of(tasks_of(p)) == std::vector<int>{0, 1, 2});

  p.send_back_item(g2, 2, "outer");  // z goes back through the inner gate
  CHECK(p.node(f.gate).state == State::Running);  // open again, for z
  CHECK(items_of(tasks_of(p)) == std::vector<int>{2});
  CHECK(p.finish_task({f.fan, 2}));
  std::vector<Task> inner = tasks_of(p);
  REQUIRE(inner.size() == 1);
  CHECK(inner[0].node == f.gate);
  CHECK(inner[0].item == 2);
  CHECK(p.can_send_back_item(f.gate, 2));  // a fresh inner budget for z
  CHECK(p.item_check_passed(f.gate, 2));   // inner passes z: the outer judges it at once
  std::vector<Task> outer_again = tasks_of(p);
  REQUIRE(outer_again.size() == 1);
  CHECK(outer_again[0].node == g2);
  CHECK(outer_again[0].item == 2);
  CHECK_FALSE(p.item_check_passed(g2, 0));
  CHECK_FALSE(p.item_check_passed(g2, 1));
  CHECK(p.item_check_passed(g2, 2));
  CHECK(drain(p) == std::vector<uint32_t>{f.after});
}

TEST_CASE("a gate sending back the whole fan-out resets its per-item gate, item attempts rising") {
  PerItem f(1);
  ir::Node whole = f.b.flow.nodes[f.gate];  // `review` on a block around the fan-out
  whole.name = "fan/gate-2";
  whole.gate().per_item = false;
  whole.gate().members = {f.fan, f.gate};
  whole.deps = {f.gate};
  uint32_t w = f.b.add(whole);
  f.b.flow.nodes[f.after].deps = {w};
  Plan p(f.b.flow, {});
  p.start();
  CHECK(items_of(tasks_of(p)) == std::vector<int>{0, 1, 2});  // the fan-out's items
  for (int k = 0; k < 3; ++k) p.finish_task({f.fan, k});
  tasks_of(p);
  p.send_back_item(f.gate, 1, "y");
  tasks_of(p);
  p.finish_task({f.fan, 1});
  tasks_of(p);
  for (int k = 0; k < 3; ++k) p.item_check_passed(f.gate, k);
  CHECK(drain(p) == std::vector<uint32_t>{w});
  p.send_back(w, "all of it");
  std::vector<Task> all = tasks_of(p);
  CHECK(items_of(all) == std::vector<int>{0, 1, 2});
  CHECK(p.task_attempt(all[0]) == 2);
  CHECK(p.task_attempt(all[1]) == 3);  // y had its own second attempt already
  CHECK(p.item_feedback(f.fan, 1) == "all of it");
  for (const Task& t : all) p.finish_task(t);
  CHECK(items_of(tasks_of(p)) == std::vector<int>{0, 1, 2});  // every item judged again
  CHECK(p.can_send_back_item(f.gate, 1));
}

TEST_CASE("a resumed per-item gate keeps the items that passed") {
  PerItem f(1);
  Plan p(f.b.flow, {});
  for (int k = 0; k < 3; ++k) p.restore_item(f.fan, k);
  p.restore_done(f.fan);
  p.restore_item_check(f.gate, 0, 0);
  p.restore_item_accepted(f.gate, 2);
  p.start();
  std::vector<Task> left = tasks_of(p);
  REQUIRE(left.size() == 1);
  CHECK(left[0].item == 1);
  CHECK(p.item_check_passed(f.gate, 1));
  CHECK(p.node(f.gate).unapproved);
}

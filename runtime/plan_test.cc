#include "runtime/plan.h"

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
  fan.agent = "worker";
  fan.fanout_input = "items";
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
  fan.agent = "worker";
  fan.fanout_input = "nope";
  b.add(fan);
  Plan p(b.flow, {});
  CHECK(p.error() == "step `fan` fans out over `nope`, which is not a list input");
}

TEST_CASE("restored steps are not queued again, partly done fan-outs queue the rest") {
  FlowBuilder b;
  uint32_t a = b.agent("a");
  ir::Node fan;
  fan.name = "fan";
  fan.agent = "worker";
  fan.fanout = {"x", "y", "z"};
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
  b.flow.nodes[f].fanout_step = "a";
  b.flow.nodes[f].fanout_cap = 3;
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
  b.flow.nodes[f].fanout_step = "a";
  b.flow.nodes[f].fanout_cap = 3;
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

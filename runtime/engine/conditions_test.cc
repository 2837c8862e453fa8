#include "runtime/engine/conditions.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "runtime/engine/plan.h"
#include "runtime/testing.h"

using namespace flow;
using namespace flow::rt;
using flow::rt::testing::drain;
using flow::rt::testing::FlowBuilder;

namespace {

ir::Condition on_step(ir::Condition::Kind kind, const std::string& name,
                      std::vector<uint32_t> nodes, bool negated = false) {
  ir::Condition c;
  c.kind = kind;
  c.name = name;
  c.nodes = std::move(nodes);
  c.negated = negated;
  return c;
}

ir::Condition on_input(ir::Condition::Kind kind, const std::string& name,
                       const std::string& value = "", bool negated = false) {
  ir::Condition c;
  c.kind = kind;
  c.name = name;
  c.value = value;
  c.negated = negated;
  return c;
}

}  // namespace

TEST_CASE("input conditions are decided when the plan is made, with the reason") {
  FlowBuilder b;
  uint32_t a = b.agent("a"), c = b.agent("c"), d = b.agent("d"), e = b.agent("e");
  b.flow.nodes[a].conditions.push_back(on_input(ir::Condition::Kind::Input, "deep", "", true));
  b.flow.nodes[c].conditions.push_back(on_input(ir::Condition::Kind::Equals, "mode", "fast"));
  b.flow.nodes[d].conditions.push_back(on_input(ir::Condition::Kind::Equals, "mode", "fast", true));
  b.flow.nodes[e].when = {"deep"};
  InputValues in{{"deep", true}, {"mode", "fast"}};
  Plan p(b.flow, in);
  CHECK(p.node(a).skip);
  CHECK(p.node(a).skip_reason == "input `deep` is true");
  CHECK_FALSE(p.node(c).skip);
  CHECK(p.node(d).skip);
  CHECK(p.node(d).skip_reason == "`mode != \"fast\"` does not hold");
  CHECK_FALSE(p.node(e).skip);
  Plan q(b.flow, {{"deep", false}, {"mode", "fast "}});
  CHECK_FALSE(q.node(a).skip);
  CHECK(q.node(c).skip);  // exactly equal: a trailing space differs
  CHECK_FALSE(q.node(d).skip);
  CHECK(q.node(e).skip_reason == "input `deep` is false");
}

TEST_CASE("an outcome condition is decided when its node is ready") {
  using K = ir::Condition::Kind;
  FlowBuilder b;
  uint32_t v = b.agent("validate");
  uint32_t g = b.review_gate(v, {v}, "critic", 0, ir::OnExhausted::Continue);
  uint32_t clean = b.agent("release", {g});
  uint32_t dirty = b.agent("explain", {g});
  uint32_t any = b.agent("anyway", {g});
  b.flow.nodes[clean].conditions.push_back(on_step(K::PassedCleanly, "validate", {v, g}));
  b.flow.nodes[dirty].conditions.push_back(on_step(K::PassedCleanly, "validate", {v, g}, true));
  b.flow.nodes[any].conditions.push_back(on_step(K::Passed, "validate", {v, g}));
  Plan p(b.flow, {});
  CHECK_FALSE(p.node(clean).skip);  // not decided yet
  p.start();
  CHECK(drain(p) == std::vector<uint32_t>{v});
  p.finish_task({v, -1});
  drain(p);
  p.accept(g, true);  // retries ran out; accepted unapproved
  CHECK(drain(p) == std::vector<uint32_t>{dirty, any});
  CHECK(p.node(clean).state == State::Skipped);
  CHECK(p.node(clean).late_skip);
  CHECK(p.node(clean).skip_reason ==
        "`validate` did not pass cleanly (a gate accepted it unapproved)");
  CHECK(p.take_untasked() == std::vector<uint32_t>{clean});
}

TEST_CASE("a step that was skipped counts as not passed") {
  FlowBuilder b;
  uint32_t probe = b.agent("probe");
  uint32_t yes = b.agent("yes", {probe});
  uint32_t no = b.agent("no", {probe});
  b.flow.nodes[probe].when = {"deep"};
  b.flow.nodes[yes].conditions.push_back(on_step(ir::Condition::Kind::Passed, "probe", {probe}));
  b.flow.nodes[no].conditions.push_back(
      on_step(ir::Condition::Kind::Passed, "probe", {probe}, true));
  Plan p(b.flow, {{"deep", false}});
  p.start();
  CHECK(drain(p) == std::vector<uint32_t>{no});
  CHECK(p.node(yes).skip_reason == "`probe` did not pass (it was skipped)");
}

TEST_CASE("work sent back decides its outcome conditions again") {
  // Outer gate G over { a, its own gate ga (no retries, else continue), c when a passed
  // cleanly }. First round: ga accepts a unapproved, so c is skipped; G sends it all back;
  // second round: ga passes, so c runs.
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t ga = b.review_gate(a, {a}, "critic", 0, ir::OnExhausted::Continue);
  uint32_t c = b.agent("c", {ga});
  b.flow.nodes[c].conditions.push_back(on_step(ir::Condition::Kind::PassedCleanly, "a", {a, ga}));
  uint32_t g = b.review_gate(c, {a, ga, c}, "critic", 1);
  Plan p(b.flow, {});
  p.start();
  drain(p);
  p.finish_task({a, -1});
  drain(p);
  p.accept(ga, true);
  CHECK(p.node(c).state == State::Skipped);
  CHECK(drain(p) == std::vector<uint32_t>{g});
  REQUIRE(p.can_send_back(g));
  std::vector<uint32_t> again = p.send_back(g, "again");
  CHECK(std::find(again.begin(), again.end(), c) != again.end());
  CHECK_FALSE(p.node(c).skip);
  CHECK(drain(p) == std::vector<uint32_t>{a});
  p.finish_task({a, -1});
  drain(p);
  CHECK(p.check_passed(ga));
  CHECK(drain(p) == std::vector<uint32_t>{c});
  CHECK(p.node(c).attempt == 2);
}

TEST_CASE("a step without nodes never passes") {
  FlowBuilder b;
  uint32_t t = b.agent("t");
  b.flow.nodes[t].conditions.push_back(on_step(ir::Condition::Kind::Passed, "empty", {}));
  Plan p(b.flow, {});
  p.start();
  CHECK(drain(p).empty());
  CHECK(p.node(t).skip_reason == "`empty` did not pass (it has no steps)");
}

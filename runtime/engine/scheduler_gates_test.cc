// The scheduler's gates: nested reworks, command checks, approvals, and `review each`.
#include "runtime/engine/scheduler.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "runtime/store/run_store.h"
#include "runtime/testing.h"

using namespace flow;
using namespace flow::rt;
using namespace flow::rt::testing;
using json = nlohmann::json;

TEST_CASE("an outer gate's rework reruns the inner gate with a fresh retry budget") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t inner = b.review_gate(a, {a}, "inner-critic", 0);
  uint32_t c = b.agent("c", {inner});
  ir::Node outer;
  outer.name = "block/gate";
  outer.set_kind(ir::NodeKind::Gate);
  outer.gate().target = "block";
  outer.deps = {c};
  outer.gate().members = {a, inner, c};
  ir::Check check;
  check.agent = b.declare("outer-critic", "reviewer");
  outer.gate().checks = {check};
  outer.gate().retries = 1;
  b.declare("outer-critic", "reviewer");
  b.add(outer);
  FakeBackend fake;
  int outer_reviews = 0;
  fake.reply = [&](const AgentRequest& req) {
    if (!req.review) return AgentResult{true, "work", ""};
    if (req.agent == "outer-critic" && ++outer_reviews == 1) return AgentResult{true, "VERDICT: FAIL\nagain", ""};
    return AgentResult{true, "VERDICT: PASS", ""};
  };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(r.exit_code == kExitOk);
  CHECK(fake.steps_called() == std::vector<std::string>{"a", "a/gate", "c", "block/gate", "a",
                                                        "a/gate", "c", "block/gate"});
  auto retry = of_kind(r.events, "retry");
  REQUIRE(retry.size() == 1);
  CHECK(retry[0]["steps"] == json::array({"a", "a/gate", "c"}));
  // The inner gate's files do not overwrite each other across rounds.
  CHECK(std::filesystem::exists(tmp.path + "/steps/a~gate.a1.c0.output.md"));
  CHECK(std::filesystem::exists(tmp.path + "/steps/a~gate.a2.c0.output.md"));
}

TEST_CASE("a command check gate passes on exit 0 and sends the output tail back otherwise") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  ir::Node g;
  g.name = "draft/gate";
  g.set_kind(ir::NodeKind::Gate);
  g.gate().target = "draft";
  g.deps = {draft};
  g.gate().members = {draft};
  ir::Check check;
  check.kind = ir::Check::Kind::Command;
  std::string marker = tmp.path + "/marker";
  check.command = "test -f " + marker + " || { touch " + marker + "; echo 'lint: 2 errors'; exit 1; }";
  g.gate().checks = {check};
  b.add(g);
  FakeBackend fake;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path + "/run");
  REQUIRE(r.exit_code == kExitOk);
  auto verdicts = of_kind(r.events, "verdict");
  REQUIRE(verdicts.size() == 2);
  CHECK(verdicts[0]["verdict"] == "FAIL");
  CHECK(verdicts[0]["check"] == "command");
  CHECK(verdicts[0]["reason"] == "`" + check.command + "`: exit 1");
  CHECK(verdicts[1]["verdict"] == "PASS");
  auto calls = fake.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].prompt.find("Its output ends with:\n\nlint: 2 errors") != std::string::npos);
}

TEST_CASE("an approve gate and else ask are answered by --yes and recorded") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  ir::Node g;
  g.name = "draft/gate";
  g.set_kind(ir::NodeKind::Gate);
  g.gate().target = "draft";
  g.deps = {draft};
  g.gate().members = {draft};
  ir::Check human;
  human.kind = ir::Check::Kind::Human;
  human.question = "Good enough?";
  ir::Check review;
  review.agent = b.declare("critic", "reviewer");
  g.gate().checks = {human, review};
  g.gate().retries = 0;
  g.gate().on_exhausted = ir::OnExhausted::Ask;
  b.declare("critic", "reviewer");
  b.add(g);
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "VERDICT: FAIL\nno" : "text", ""};
  };
  RunSetup setup;
  setup.yes = true;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  REQUIRE(r.exit_code == kExitOk);
  auto approvals = of_kind(r.events, "approval");
  REQUIRE(approvals.size() == 1);
  CHECK(approvals[0]["question"] == "Good enough?");
  auto ex = of_kind(r.events, "exhausted");
  REQUIRE(ex.size() == 1);
  CHECK(ex[0]["action"] == "ask");
  CHECK(ex[0]["how"] == "--yes");
  CHECK(of_kind(r.events, "gate_pass")[0]["unapproved"] == true);
}

namespace {

// `w over [x, y, z] review each critic retries 1`, then `publish` after it.
struct EachFlow {
  FlowBuilder b;
  uint32_t fan = 0, gate = 0, publish = 0;
  explicit EachFlow(ir::OnExhausted on = ir::OnExhausted::Stop) {
    ir::Node n;
    n.name = "w";
    n.agent_call().agent = b.declare("writer");
    n.agent_call().fanout = {"x", "y", "z"};
    b.declare("writer");
    fan = b.add(n);
    gate = b.review_gate(fan, {fan}, "critic", 1, on);
    b.flow.nodes[gate].gate().per_item = true;
    publish = b.agent("publish", {gate});
  }
};

// Writers answer with their item and attempt; the reviewer fails what `fails` says.
void each_replies(FakeBackend& fake, std::function<bool(const AgentRequest&)> fails) {
  fake.reply = [fails](const AgentRequest& req) {
    if (!req.review)
      return AgentResult{true, fmt::format("{} item {} v{}", req.step, req.index, req.attempt), ""};
    std::string fail = "VERDICT: FAIL\nitem " + std::to_string(req.index) + " is thin";
    return AgentResult{true, fails(req) ? fail : "VERDICT: PASS", ""};
  };
}

}  // namespace

TEST_CASE("review each on a fan-out reviews each item and re-runs only the one that failed") {
  TempDir tmp;
  EachFlow f;
  FakeBackend fake;
  each_replies(fake, [](const AgentRequest& r) { return r.index == 1 && r.attempt == 1; });
  RunOutcome r = run_with_fake(f.b.flow, fake, tmp.path);
  REQUIRE(r.exit_code == kExitOk);
  std::vector<AgentRequest> calls = fake.calls();
  REQUIRE(calls.size() == 9);  // 3 items + 3 reviews, item y again + its review, publish
  int reviews = 0, work = 0;
  for (const AgentRequest& c : calls) {
    if (c.review) {
      ++reviews;
      CHECK(c.item_review);
      // Each review sees its own item's output, not the others'.
      for (int k = 0; k < 3; ++k)
        CHECK((c.prompt.find(fmt::format("item {} v", k)) != std::string::npos) == (k == c.index));
    } else if (c.step == "w") {
      ++work;
    }
  }
  CHECK(reviews == 4);
  CHECK(work == 4);
  // Every call, in whatever order the workers started them: y runs again (attempt 2) and is
  // judged again (the gate's second evaluation of it); nothing else repeats.
  std::vector<std::string> all;
  for (const AgentRequest& c : calls)
    all.push_back(fmt::format("{}[{}] a{}", c.step, c.index, c.attempt));
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<std::string>{"publish[-1] a1", "w/gate[0] a1", "w/gate[1] a1",
                                        "w/gate[1] a2", "w/gate[2] a1", "w[0] a1", "w[1] a1",
                                        "w[1] a2", "w[2] a1"});
  CHECK(calls.back().step == "publish");
  auto again = std::find_if(calls.begin(), calls.end(), [](const AgentRequest& c) {
    return c.step == "w" && c.attempt == 2;
  });
  REQUIRE(again != calls.end());
  CHECK(again->prompt.find("item 1 is thin") != std::string::npos);
  // The publisher sees the combined output, rebuilt from the items: y's second version.
  CHECK(calls[8].step == "publish");
  CHECK(calls[8].prompt.find("w item 1 v2") != std::string::npos);
  CHECK(calls[8].prompt.find("w item 1 v1") == std::string::npos);
  CHECK(calls[8].prompt.find("w item 0 v1") != std::string::npos);
  auto retries = of_kind(r.events, "retry");
  REQUIRE(retries.size() == 1);
  CHECK(retries[0]["index"] == 1);
  CHECK(retries[0]["steps"] == json::array({"w"}));
  auto verdicts = of_kind(r.events, "verdict");
  REQUIRE(verdicts.size() == 4);
  CHECK(verdicts.back()["index"] == 1);  // y's second review is the last: it waits for y
  CHECK(verdicts.back()["attempt"] == 2);
  CHECK(verdicts.back()["check_index"] == 0);
  CHECK(std::filesystem::exists(tmp.path + "/steps/w~gate.a2.i1.c0.output.md"));
  CHECK(std::filesystem::exists(tmp.path + "/steps/w.a2.i1.prompt.md"));
  CHECK_FALSE(std::filesystem::exists(tmp.path + "/steps/w.a2.i0.prompt.md"));
}

TEST_CASE("review each: an item out of retries stops the run, and resume reworks that item only") {
  TempDir tmp;
  EachFlow f;
  FakeBackend fake;
  each_replies(fake, [](const AgentRequest& r) { return r.index == 2 && r.attempt <= 3; });
  RunOutcome first = run_with_fake(f.b.flow, fake, tmp.path);
  REQUIRE(first.exit_code == kExitFailed);
  CHECK(first.report.rfind("error: gate `w/gate` rejected item 3 of `w` (z) 2 times (retries 1, "
                           "else stop)\n", 0) == 0);
  auto exhausted = of_kind(first.events, "exhausted");
  REQUIRE(exhausted.size() == 1);
  CHECK(exhausted[0]["index"] == 2);

  FakeBackend again;
  again.reply = fake.reply;
  RunOutcome r = run_with_fake(f.b.flow, again, tmp.path, {}, &first.events);
  CHECK(r.exit_code == kExitOk);
  // Items x and y passed: kept. z runs again (attempt 3), is judged (its evaluation 3, FAIL),
  // gets a fresh budget, runs again (4) and passes; then publish.
  std::vector<std::string> called;
  for (const AgentRequest& c : again.calls())
    called.push_back(c.step + (c.index >= 0 ? "[" + std::to_string(c.index) + "]" : "") + " a" +
                     std::to_string(c.attempt));
  CHECK(called == std::vector<std::string>{"w[2] a3", "w/gate[2] a3", "w[2] a4", "w/gate[2] a4",
                                           "publish a1"});
  auto rework = of_kind(r.events, "rework");
  REQUIRE(rework.size() == 1);
  CHECK(rework[0]["index"] == 2);
  CHECK(rework[0]["steps"] == json::array({"w"}));
}

TEST_CASE("review each with else continue accepts the one item, and the gate is unapproved") {
  TempDir tmp;
  EachFlow f(ir::OnExhausted::Continue);
  FakeBackend fake;
  each_replies(fake, [](const AgentRequest& r) { return r.index == 0; });
  RunOutcome r = run_with_fake(f.b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitOk);
  auto exhausted = of_kind(r.events, "exhausted");
  REQUIRE(exhausted.size() == 1);
  CHECK(exhausted[0]["index"] == 0);
  CHECK(exhausted[0]["accepted"] == true);
  auto pass = of_kind(r.events, "gate_pass");
  REQUIRE(pass.size() == 1);
  CHECK(pass[0]["unapproved"] == true);
  CHECK(fake.steps_called().back() == "publish");
}

TEST_CASE("a resumed review each keeps the items that passed and judges only the others") {
  TempDir tmp;
  EachFlow f;
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    if (req.review && req.index == 1) return AgentResult{false, "", "reviewer down"};
    std::string text = "text " + std::to_string(req.index);
    return AgentResult{true, req.review ? "VERDICT: PASS" : text, ""};
  };
  RunSetup one;
  one.jobs = 1;
  RunOutcome first = run_with_fake(f.b.flow, fake, tmp.path, one);
  REQUIRE(first.exit_code == kExitFailed);  // y could not be judged
  FakeBackend again;
  RunOutcome r = run_with_fake(f.b.flow, again, tmp.path, one, &first.events);
  CHECK(r.exit_code == kExitOk);
  std::vector<std::string> called;
  for (const AgentRequest& c : again.calls())
    called.push_back(c.step + (c.index >= 0 ? "[" + std::to_string(c.index) + "]" : ""));
  // x passed before (and z, if its review ran before the run stopped): never judged again.
  CHECK(called.front() == "w/gate[1]");
  CHECK(called.back() == "publish");
  CHECK(std::count(called.begin(), called.end(), "w/gate[0]") == 0);
}

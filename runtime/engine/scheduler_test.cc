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

TEST_CASE("independent steps run concurrently, never more than --jobs") {
  TempDir tmp;
  FlowBuilder b;
  for (int i = 0; i < 8; ++i) b.agent("w" + std::to_string(i));
  FakeBackend fake;
  fake.delay_ms = 100;
  fake.gather_any = 3;  // three run at once, however slow the machine
  RunSetup setup;
  setup.jobs = 3;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitOk);
  CHECK(fake.calls().size() == 8);
  CHECK(fake.max_concurrent() == 3);
}

TEST_CASE("dependencies order the calls and feed upstream outputs into prompts") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t plan = b.agent("plan");
  uint32_t build = b.agent("build", {plan});
  b.agent("ship", {build});
  FakeBackend fake;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(r.exit_code == kExitOk);
  CHECK(fake.steps_called() == std::vector<std::string>{"plan", "build", "ship"});
  // `ship` sees both earlier outputs, nearest first.
  const std::string prompt = fake.calls()[2].prompt;
  size_t build_at = prompt.find("## build\n\nout:build"), plan_at = prompt.find("## plan\n\nout:plan");
  CHECK(build_at != std::string::npos);
  CHECK(plan_at != std::string::npos);
  CHECK(build_at < plan_at);
  CHECK(of_kind(r.events, "done").size() == 3);
  CHECK(of_kind(r.events, "run_end").back()["status"] == "succeeded");
}

TEST_CASE("a pool delays work instead of failing it") {
  TempDir tmp;
  FlowBuilder b;
  for (int i = 0; i < 6; ++i) b.agent("slow" + std::to_string(i), {}, "opus-agent");
  for (int i = 0; i < 4; ++i) b.agent("fast" + std::to_string(i), {}, "haiku-agent");
  FakeBackend fake;
  fake.delay_ms = 60;
  RunSetup setup;
  setup.jobs = 4;
  setup.pools = {{"opus", 1}};
  setup.agent_pools = {{"opus-agent", "opus"}};
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitOk);
  CHECK(fake.calls().size() == 10);
  CHECK(fake.max_concurrent_by_agent().at("opus-agent") == 1);
  CHECK(fake.max_concurrent() >= 2);  // the pool did not hold back the others
}

TEST_CASE("a failed review sends the work back with the feedback, then passes") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  uint32_t gate = b.review_gate(draft, {draft});
  b.agent("publish", {gate});
  FakeBackend fake;
  int reviews = 0;
  fake.reply = [&](const AgentRequest& req) {
    AgentResult res;
    res.ok = true;
    if (!req.review) res.output = "draft v" + std::to_string(req.attempt);
    else res.output = ++reviews == 1 ? "VERDICT: FAIL\nToo long." : "VERDICT: PASS";
    return res;
  };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(r.exit_code == kExitOk);
  CHECK(fake.steps_called() ==
        std::vector<std::string>{"draft", "draft/gate", "draft", "draft/gate", "publish"});
  const AgentRequest second = fake.calls()[2];
  CHECK(second.attempt == 2);
  CHECK(second.prompt.find("# Feedback from review\n\nYour previous attempt was sent back. "
                           "Address this feedback:\n\nToo long.\n") != std::string::npos);
  auto retries = of_kind(r.events, "retry");
  REQUIRE(retries.size() == 1);
  CHECK(retries[0]["feedback"] == "Too long.");
  CHECK(retries[0]["steps"] == json::array({"draft"}));
  // The publisher sees the accepted draft, not the rejected one.
  CHECK(fake.calls()[4].prompt.find("draft v2") != std::string::npos);
  CHECK(fake.calls()[4].prompt.find("draft v1") == std::string::npos);
}

TEST_CASE("exhausted retries with else stop end the run with a clear report") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  uint32_t gate = b.review_gate(draft, {draft}, "critic", 1);
  b.agent("publish", {gate});
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "VERDICT: FAIL\nStill wrong." : "text", ""};
  };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitFailed);
  CHECK(r.report ==
        "error: gate `draft/gate` rejected `draft` 2 times (retries 1, else stop)\n"
        "  last feedback: Still wrong.\n"
        "  to try again: flow resume test-run (it sends `draft` back with this feedback and a "
        "fresh budget of `retries 1`; it runs the flow as compiled when the run started: edits to "
        "the .flow file do not apply)\n"
        "  to go on anyway: give the gate `else continue` in the .flow file, then start a new "
        "run with flow run");
  CHECK(fake.steps_called() == std::vector<std::string>{"draft", "draft/gate", "draft", "draft/gate"});
  CHECK(of_kind(r.events, "exhausted")[0]["action"] == "stop");
  CHECK(of_kind(r.events, "run_end")[0]["status"] == "failed");
}

TEST_CASE("exhausted retries with else continue accept the work as unapproved") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  uint32_t gate = b.review_gate(draft, {draft}, "critic", 0, ir::OnExhausted::Continue);
  b.agent("publish", {gate});
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "VERDICT: FAIL\nMeh." : "text", ""};
  };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitOk);
  auto pass = of_kind(r.events, "gate_pass");
  REQUIRE(pass.size() == 1);
  CHECK(pass[0]["unapproved"] == true);
  CHECK(fake.steps_called().back() == "publish");
}

TEST_CASE("a garbled verdict is a FAIL, never a pass") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  b.review_gate(draft, {draft}, "critic", 0);
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "Looks great to me!" : "text", ""};
  };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitFailed);
  auto v = of_kind(r.events, "verdict");
  REQUIRE(v.size() == 1);
  CHECK(v[0]["verdict"] == "FAIL");
  CHECK(v[0]["reason"] == "no verdict line (expected \"VERDICT: PASS\" or \"VERDICT: FAIL\")");
}

TEST_CASE("a block gate reruns every member, and work after it waits for the gate") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t c = b.agent("c", {a});
  uint32_t gate = b.review_gate(c, {a, c});
  // `after` depends on the member `c` directly; it must still wait for the gate.
  b.agent("after", {c});
  (void)gate;
  FakeBackend fake;
  int reviews = 0;
  fake.reply = [&](const AgentRequest& req) {
    return AgentResult{true, req.review ? (++reviews == 1 ? "VERDICT: FAIL\nredo" : "VERDICT: PASS") : "x", ""};
  };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(r.exit_code == kExitOk);
  CHECK(fake.steps_called() ==
        std::vector<std::string>{"a", "c", "c/gate", "a", "c", "c/gate", "after"});
}

TEST_CASE("a step whose when input is false is skipped and counts as finished") {
  TempDir tmp;
  FlowBuilder b;
  ir::Input in;
  in.name = "deploy";
  in.type = "bool";
  b.flow.inputs.push_back(in);
  uint32_t build = b.agent("build");
  ir::Node ship;
  ship.name = "ship";
  ship.agent_call().agent = b.declare("shipper");
  ship.deps = {build};
  ship.when = {"deploy"};
  b.declare("shipper");
  uint32_t s = b.add(ship);
  b.agent("report", {s});
  FakeBackend fake;
  RunSetup setup;
  setup.inputs = {{"deploy", false}};
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  REQUIRE(r.exit_code == kExitOk);
  CHECK(fake.steps_called() == std::vector<std::string>{"build", "report"});
  auto skips = of_kind(r.events, "skip");
  REQUIRE(skips.size() == 1);
  CHECK(skips[0]["step"] == "ship");
  CHECK(skips[0]["reason"] == "input `deploy` is false");
}

TEST_CASE("a fan-out over a list input makes one call per item, in parallel") {
  TempDir tmp;
  FlowBuilder b;
  ir::Input in;
  in.name = "domains";
  in.type = "list";
  b.flow.inputs.push_back(in);
  ir::Node research;
  research.name = "research";
  research.agent_call().agent = b.declare("researcher");
  research.agent_call().fanout_input = "domains";
  b.declare("researcher");
  uint32_t r0 = b.add(research);
  b.agent("plan", {r0});
  FakeBackend fake;
  fake.delay_ms = 100;
  fake.gather = {{"researcher", 3}};  // the three items run at once, however slow the machine
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, "notes " + std::to_string(req.index), ""};
  };
  RunSetup setup;
  setup.jobs = 4;
  setup.inputs = {{"domains", json::array({"auth", "storage", "billing"})}};
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  REQUIRE(r.exit_code == kExitOk);
  auto calls = fake.calls();
  REQUIRE(calls.size() == 4);
  CHECK(fake.max_concurrent() == 3);
  std::vector<std::string> foci;
  for (int i = 0; i < 3; ++i) {
    CHECK(calls[i].step == "research");
    foci.push_back(calls[i].prompt.substr(calls[i].prompt.find("# Focus\n\n") + 9));
  }
  std::sort(foci.begin(), foci.end());
  CHECK(foci == std::vector<std::string>{"auth\n", "billing\n", "storage\n"});
  // The planner sees every item's output.
  for (const char* notes : {"notes 0", "notes 1", "notes 2"})
    CHECK(calls[3].prompt.find(notes) != std::string::npos);
}

TEST_CASE("a failed step stops the run, nothing after it starts") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t a = b.agent("a");
  b.agent("b", {a});
  FakeBackend fake;
  fake.reply = [](const AgentRequest&) { return AgentResult{false, "partial", "model overloaded"}; };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitFailed);
  CHECK(fake.steps_called() == std::vector<std::string>{"a"});
  CHECK(r.report.rfind("error: step `a` failed on attempt 1: model overloaded\n", 0) == 0);
  auto fails = of_kind(r.events, "fail");
  REQUIRE(fails.size() == 1);
  CHECK(fails[0]["error"] == "model overloaded");
}

TEST_CASE("command steps run with /bin/sh and fail on a non-zero exit") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t ok = b.command("hello", "echo hello; echo warn >&2");
  b.command("bad", "exit 3", {ok});
  FakeBackend fake;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitFailed);
  auto attempts = of_kind(r.events, "attempt");
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0]["ok"] == true);
  CHECK(attempts[0]["bytes"] == 11);  // "hello\nwarn\n": stdout and stderr together
  CHECK(attempts[1]["error"] == "`exit 3`: exit 3");
}

TEST_CASE("human steps refuse to guess without a terminal unless --yes") {
  TempDir tmp;
  FlowBuilder b;
  b.human("approve");
  FakeBackend fake;
  RunSetup setup;
  // ctest runs without a terminal on stdin; this test assumes so.
  if (!isatty(0)) {
    RunOutcome r = run_with_fake(b.flow, fake, tmp.path + "/no", setup);
    CHECK(r.exit_code == kExitFailed);
    CHECK(r.report.find("needs a human approval (\"Is it fine?\") but stdin is not a terminal; "
                        "run it from a terminal, or pass --yes to approve automatically") !=
          std::string::npos);
  }
  setup.yes = true;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path + "/yes", setup);
  CHECK(r.exit_code == kExitOk);
  auto approvals = of_kind(r.events, "approval");
  REQUIRE(approvals.size() == 1);
  CHECK(approvals[0]["how"] == "--yes");
  CHECK(approvals[0]["approved"] == true);
}

TEST_CASE("a backend that throws fails the step instead of the process") {
  TempDir tmp;
  FlowBuilder b;
  b.agent("a");
  FakeBackend fake;
  fake.reply = [](const AgentRequest&) -> AgentResult { throw std::runtime_error("boom"); };
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  CHECK(r.exit_code == kExitFailed);
  CHECK(r.report.rfind("error: step `a` failed on attempt 1: internal error: boom", 0) == 0);
}

TEST_CASE("a long chain keeps every prompt within the context budget") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t prev = b.agent("s0");
  for (int i = 1; i < 200; ++i) prev = b.agent("s" + std::to_string(i), {prev}, "worker");
  FakeBackend fake;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(r.exit_code == kExitOk);
  const std::string last = fake.calls().back().prompt;
  CHECK(last.find("## s198\n") != std::string::npos);       // nearest first, in full
  // then listed, by a path that resolves from anywhere
  CHECK(last.find("- s134: " + r.dir + "/steps/s134.a1.output.md\n") != std::string::npos);
  CHECK(last.find("More upstream steps exist") != std::string::npos);
  CHECK(last.find("s2\n") == std::string::npos);            // far ones left out
}

TEST_CASE("review calls wait in their reviewer's pool") {
  TempDir tmp;
  FlowBuilder b;
  for (int i = 0; i < 4; ++i) {
    uint32_t w = b.agent("w" + std::to_string(i), {}, "worker");
    b.review_gate(w, {w}, "critic");
  }
  FakeBackend fake;
  fake.delay_ms = 60;
  fake.gather = {{"worker", 4}};  // the four workers run at once, however slow the machine
  RunSetup setup;
  setup.jobs = 4;
  setup.pools = {{"reviewers", 1}};
  setup.agent_pools = {{"critic", "reviewers"}};
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitOk);
  CHECK(fake.max_concurrent_by_agent().at("critic") == 1);
  CHECK(fake.max_concurrent_by_agent().at("worker") == 4);
}

TEST_CASE("a fan-out over an empty list ends with a done event of 0 items") {
  TempDir tmp;
  FlowBuilder b;
  ir::Node n;
  n.name = "research";
  n.set_kind(ir::NodeKind::Agent);
  n.agent_call().agent = b.declare("researcher");
  n.agent_call().fanout_input = "topics";
  uint32_t research = b.add(n);
  b.agent("summary", {research});
  ir::Input in;
  in.name = "topics";
  in.type = "list";
  b.flow.inputs.push_back(in);
  FakeBackend fake;
  RunSetup setup;
  setup.inputs = {{"topics", json::array()}};
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  REQUIRE(r.exit_code == kExitOk);
  auto done = of_kind(r.events, "done");
  REQUIRE(done.size() == 2);
  CHECK(done[0]["step"] == "research");
  CHECK(done[0]["items"] == 0);
}

TEST_CASE("a failure report names only output files that exist") {
  TempDir tmp;
  FlowBuilder b;
  b.agent("a");
  b.agent("b");
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{false, req.step == "a" ? "" : "partial", "down"};
  };
  RunSetup setup;
  setup.jobs = 1;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  REQUIRE(r.exit_code == kExitFailed);
  CHECK(r.report.find("output:") == std::string::npos);  // `a` failed first, with no output
}

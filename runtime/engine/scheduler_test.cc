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

namespace {

std::vector<std::string> steps_called(const FakeBackend& fake) {
  std::vector<std::string> out;
  for (const AgentRequest& r : fake.calls()) out.push_back(r.step);
  return out;
}

}  // namespace

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
  CHECK(steps_called(fake) == std::vector<std::string>{"plan", "build", "ship"});
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
  CHECK(steps_called(fake) ==
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
  CHECK(steps_called(fake) == std::vector<std::string>{"draft", "draft/gate", "draft", "draft/gate"});
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
  CHECK(steps_called(fake).back() == "publish");
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
  CHECK(steps_called(fake) ==
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
  CHECK(steps_called(fake) == std::vector<std::string>{"build", "report"});
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
  CHECK(steps_called(fake) == std::vector<std::string>{"a"});
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

TEST_CASE("resume does not re-run finished steps") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t a = b.agent("a");
  uint32_t c = b.agent("c", {a});
  b.agent("d", {c});
  FakeBackend first;
  first.reply = [](const AgentRequest& req) {
    return AgentResult{req.step != "c", "out:" + req.step, req.step == "c" ? "boom" : ""};
  };
  RunOutcome r1 = run_with_fake(b.flow, first, tmp.path);
  REQUIRE(r1.exit_code == kExitFailed);

  FakeBackend second;
  std::vector<json> events = r1.events;
  RunOutcome r2 = run_with_fake(b.flow, second, tmp.path, {}, &events);
  CHECK(r2.exit_code == kExitOk);
  CHECK(steps_called(second) == std::vector<std::string>{"c", "d"});
  // c's prompt still carries a's output, read back from the run directory.
  CHECK(second.calls()[0].prompt.find("out:a") != std::string::npos);
  CHECK(of_kind(r2.events, "run_resume").size() == 1);
}

TEST_CASE("resume re-runs a finished step whose output file was lost") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t a = b.agent("a");
  b.agent("c", {a});
  FakeBackend first;
  first.reply = [](const AgentRequest& req) {
    return AgentResult{req.step == "a", "out:" + req.step, "stop here"};
  };
  RunOutcome r1 = run_with_fake(b.flow, first, tmp.path);
  REQUIRE(r1.exit_code == kExitFailed);
  std::filesystem::remove(tmp.path + "/steps/a.a1.output.md");
  FakeBackend second;
  RunOutcome r2 = run_with_fake(b.flow, second, tmp.path, {}, &r1.events);
  CHECK(r2.exit_code == kExitOk);
  CHECK(steps_called(second) == std::vector<std::string>{"a", "c"});
}

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
  CHECK(steps_called(fake) == std::vector<std::string>{"a", "a/gate", "c", "block/gate", "a",
                                                        "a/gate", "c", "block/gate"});
  auto retry = of_kind(r.events, "retry");
  REQUIRE(retry.size() == 1);
  CHECK(retry[0]["steps"] == json::array({"a", "a/gate", "c"}));
  // The inner gate's files do not overwrite each other across rounds.
  CHECK(std::filesystem::exists(tmp.path + "/steps/a~gate.a1.c0.output.md"));
  CHECK(std::filesystem::exists(tmp.path + "/steps/a~gate.a2.c0.output.md"));
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

TEST_CASE("resume refuses events that do not fit the flow, naming the event") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  b.review_gate(draft, {draft});
  FakeBackend fake;
  struct Case {
    json event;
    std::string says;
  };
  std::vector<Case> cases = {
      {{{"seq", 1}, {"event", "done"}, {"step", "nope"}, {"attempt", 1}}, "step `nope` is not in the flow"},
      {{{"seq", 1}, {"event", "attempt"}, {"step", "draft"}, {"kind", "agent"}, {"attempt", 1},
        {"index", 3}, {"ok", true}}, "index 3 is out of range for `draft`"},
      {{{"seq", 1}, {"event", "verdict"}, {"gate", "draft/gate"}, {"attempt", 1}, {"index", 1}},
       "index 1 is out of range for `draft/gate`"},
      {{{"seq", 1}, {"event", "retry"}, {"gate", "draft"}, {"attempt", 2}}, "`draft` is not a gate"},
      {{{"seq", 1}, {"event", "gate_pass"}, {"gate", "x/gate"}}, "gate `x/gate` is not in the flow"},
  };
  for (const Case& c : cases) {
    std::vector<json> events{c.event};
    RunOutcome r = run_with_fake(b.flow, fake, tmp.path + "/r", {}, &events);
    CHECK(r.exit_code == kExitUsage);
    CHECK(r.report.find(c.says) != std::string::npos);
  }
  CHECK(fake.calls().empty());
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

TEST_CASE("a fan-out whose combined output was lost is rebuilt from its items on resume") {
  TempDir tmp;
  FlowBuilder b;
  ir::Node n;
  n.name = "research";
  n.set_kind(ir::NodeKind::Agent);
  n.agent_call().agent = b.declare("researcher");
  n.agent_call().fanout = {"p", "q"};
  uint32_t research = b.add(n);
  b.agent("summary", {research});
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    if (req.step == "summary") return AgentResult{false, "", "down"};
    return AgentResult{true, "text of item " + std::to_string(req.index), ""};
  };
  RunOutcome first = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(first.exit_code == kExitFailed);
  REQUIRE(std::filesystem::remove(tmp.path + "/steps/research.a1.output.md"));
  FakeBackend again;
  RunOutcome r = run_with_fake(b.flow, again, tmp.path, {}, &first.events);
  REQUIRE(r.exit_code == kExitOk);
  REQUIRE(again.calls().size() == 1);  // only summary: both items verified
  CHECK(again.calls()[0].prompt.find("text of item 0") != std::string::npos);
  CHECK(again.calls()[0].prompt.find("text of item 1") != std::string::npos);
  CHECK(std::filesystem::exists(tmp.path + "/steps/research.a1.output.md"));
}

TEST_CASE("a gate evaluated again after a resume gets a new attempt number") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  b.review_gate(draft, {draft}, "critic", 1);
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "VERDICT: FAIL\nattempt " + std::to_string(req.attempt) : "d", ""};
  };
  RunOutcome first = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(first.exit_code == kExitFailed);
  std::string a2;
  REQUIRE(read_file(tmp.path + "/steps/draft~gate.a2.c0.output.md", &a2));
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, {}, &first.events);
  CHECK(r.exit_code == kExitFailed);
  auto verdicts = of_kind(r.events, "verdict");
  REQUIRE(verdicts.size() == 4);  // two before the resume, two after its rework
  CHECK(verdicts[2]["attempt"] == 3);
  CHECK(verdicts[3]["attempt"] == 4);
  std::string kept;
  REQUIRE(read_file(tmp.path + "/steps/draft~gate.a2.c0.output.md", &kept));
  CHECK(kept == a2);
  CHECK(std::filesystem::exists(tmp.path + "/steps/draft~gate.a3.c0.output.md"));
}

TEST_CASE("resuming a gate that ran out of retries sends the work back, never judging it again") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  uint32_t gate = b.review_gate(draft, {draft}, "critic", 2);
  b.agent("publish", {gate});
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    if (!req.review) return AgentResult{true, "draft v" + std::to_string(req.attempt), ""};
    bool pass = req.attempt >= 5;  // the second evaluation after the resume passes
    std::string fail = "VERDICT: FAIL\nfix " + std::to_string(req.attempt);
    return AgentResult{true, pass ? "VERDICT: PASS" : fail, ""};
  };
  RunOutcome first = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(first.exit_code == kExitFailed);
  REQUIRE(of_kind(first.events, "exhausted").size() == 1);

  FakeBackend again;
  again.reply = fake.reply;
  RunOutcome r = run_with_fake(b.flow, again, tmp.path, {}, &first.events);
  CHECK(r.exit_code == kExitOk);
  // The work first, with the gate's last feedback; then a fresh budget: a FAIL sends it back.
  CHECK(steps_called(again) ==
        std::vector<std::string>{"draft", "draft/gate", "draft", "draft/gate", "publish"});
  REQUIRE(again.calls().size() == 5);
  CHECK(again.calls()[0].attempt == 4);
  CHECK(again.calls()[0].prompt.find("fix 3") != std::string::npos);
  CHECK(again.calls()[1].attempt == 4);
  CHECK(again.calls()[2].prompt.find("fix 4") != std::string::npos);
  auto rework = of_kind(r.events, "rework");
  REQUIRE(rework.size() == 1);
  CHECK(rework[0]["gate"] == "draft/gate");
  CHECK(rework[0]["reason"] == "resumed after the gate ran out of retries");
  CHECK(rework[0]["feedback"] == "fix 3");
  CHECK(rework[0]["steps"] == json::array({"draft"}));
  CHECK(rework[0]["attempt"] == 4);
  auto retries = of_kind(r.events, "retry");
  REQUIRE(retries.size() == 3);  // two before the resume; one of the fresh budget
  CHECK(retries[2]["feedback"] == "fix 4");
}

TEST_CASE("a resumed rework has a fresh budget of retries, and no more") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  b.review_gate(draft, {draft}, "critic", 2);
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "VERDICT: FAIL\nno" : "d", ""};
  };
  RunOutcome first = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(first.exit_code == kExitFailed);
  for (int round = 0; round < 2; ++round) {  // a resume of a resume too
    FakeBackend again;
    again.reply = fake.reply;
    std::vector<json> events = read_events(tmp.path + "/events.jsonl").events;
    RunOutcome r = run_with_fake(b.flow, again, tmp.path, {}, &events);
    CHECK(r.exit_code == kExitFailed);
    // 1 + retries attempts of the work, each judged once: what `flowc check --stats` counts.
    CHECK(steps_called(again) == std::vector<std::string>{"draft", "draft/gate", "draft",
                                                          "draft/gate", "draft", "draft/gate"});
  }
}

TEST_CASE("resume acts on a FAIL whose consequence was never recorded, without judging again") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  b.review_gate(draft, {draft}, "critic", 1);
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    std::string fail = "VERDICT: FAIL\nno " + std::to_string(req.attempt);
    return AgentResult{true, req.review ? fail : "d", ""};
  };
  RunOutcome first = run_with_fake(b.flow, fake, tmp.path);
  REQUIRE(first.exit_code == kExitFailed);
  SECTION("retries left: the work is sent back") {
    // As if the run died right after the first verdict.
    std::vector<json> events;
    for (const json& e : first.events) {
      events.push_back(e);
      if (e["event"] == "verdict") break;
    }
    FakeBackend again;
    again.reply = fake.reply;
    RunOutcome r = run_with_fake(b.flow, again, tmp.path, {}, &events);
    CHECK(r.exit_code == kExitFailed);
    REQUIRE_FALSE(again.calls().empty());
    CHECK(again.calls()[0].step == "draft");
    CHECK(again.calls()[0].attempt == 2);
    CHECK(again.calls()[0].prompt.find("no 1") != std::string::npos);
  }
  SECTION("out of retries: the resume is a rework") {
    std::vector<json> events;  // up to the last verdict, before its `exhausted` event
    for (const json& e : first.events)
      if (e["event"] != "exhausted" && e["event"] != "fail" && e["event"] != "run_end")
        events.push_back(e);
    FakeBackend again;
    again.reply = fake.reply;
    RunOutcome r = run_with_fake(b.flow, again, tmp.path, {}, &events);
    CHECK(r.exit_code == kExitFailed);
    REQUIRE_FALSE(again.calls().empty());
    CHECK(again.calls()[0].step == "draft");
    CHECK(again.calls()[0].attempt == 3);
    CHECK(of_kind(r.events, "rework").size() == 1);
  }
}

TEST_CASE("resuming an else ask that nobody could answer asks again, not the reviewer") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t draft = b.agent("draft");
  uint32_t gate = b.review_gate(draft, {draft}, "critic", 1, ir::OnExhausted::Ask);
  b.agent("publish", {gate});
  FakeBackend fake;
  fake.reply = [](const AgentRequest& req) {
    return AgentResult{true, req.review ? "VERDICT: FAIL\nno" : "d", ""};
  };
  RunOutcome first = run_with_fake(b.flow, fake, tmp.path);  // no terminal, no --yes
  REQUIRE(first.exit_code == kExitFailed);
  REQUIRE(of_kind(first.events, "exhausted")[0]["how"] == "no terminal");
  FakeBackend again;
  RunSetup yes;
  yes.yes = true;
  RunOutcome r = run_with_fake(b.flow, again, tmp.path, yes, &first.events);
  CHECK(r.exit_code == kExitOk);
  CHECK(steps_called(again) == std::vector<std::string>{"publish"});
  auto exhausted = of_kind(r.events, "exhausted");
  REQUIRE(exhausted.size() == 2);
  CHECK(exhausted[1]["how"] == "--yes");
  CHECK(exhausted[1]["accepted"] == true);
  CHECK(of_kind(r.events, "gate_pass").back()["unapproved"] == true);
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
  CHECK(steps_called(fake).back() == "publish");
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

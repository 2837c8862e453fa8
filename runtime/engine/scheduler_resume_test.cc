// The scheduler resuming a run: what it replays, what it refuses, what it runs again.
#include "runtime/engine/scheduler.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "runtime/store/run_store.h"
#include "runtime/testing.h"

using namespace flow;
using namespace flow::rt;
using flow::read_file;
using namespace flow::rt::testing;
using json = nlohmann::json;

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
  CHECK(second.steps_called() == std::vector<std::string>{"c", "d"});
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
  CHECK(second.steps_called() == std::vector<std::string>{"a", "c"});
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
  CHECK(again.steps_called() ==
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
    CHECK(again.steps_called() == std::vector<std::string>{"draft", "draft/gate", "draft",
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
  CHECK(again.steps_called() == std::vector<std::string>{"publish"});
  auto exhausted = of_kind(r.events, "exhausted");
  REQUIRE(exhausted.size() == 2);
  CHECK(exhausted[1]["how"] == "--yes");
  CHECK(exhausted[1]["accepted"] == true);
  CHECK(of_kind(r.events, "gate_pass").back()["unapproved"] == true);
}

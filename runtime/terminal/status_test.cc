#include "runtime/terminal/status.h"

#include <catch2/catch.hpp>

#include "runtime/store/event_json.h"

using namespace flow::rt;
using json = nlohmann::json;

namespace {

// The events these tests feed are written as JSON, as events.jsonl has them.
Event event_of(const json& e) { return event_from_json(e); }
std::string format_event(const json& e) { return flow::rt::format_event(event_from_json(e)); }

}  // namespace

TEST_CASE("plain status lines, one per event") {
  CHECK(format_event({{"ms", 1234}, {"event", "dispatch"}, {"step", "plan"}, {"kind", "agent"},
                      {"agent", "planner"}, {"attempt", 1}}) ==
        "[   1.2s] start plan (agent planner, attempt 1)");
  CHECK(format_event({{"ms", 50}, {"event", "attempt"}, {"step", "research"}, {"index", 2},
                      {"attempt", 1}, {"ok", true}, {"duration_ms", 40}}) ==
        "[   0.1s] ok    research[3] (attempt 1, 0.0s)");
  CHECK(format_event({{"ms", 0}, {"event", "verdict"}, {"gate", "plan/gate"}, {"index", 0},
                      {"attempt", 2}, {"verdict", "FAIL"},
                      {"feedback", "(simulated agent)\n\n## Review\n\nAdd tests.\nMore."}}) ==
        "[   0.0s] FAIL  plan/gate check 1 (attempt 2): Add tests.");
  CHECK(format_event({{"ms", 0}, {"event", "retry"}, {"gate", "plan/gate"}, {"attempt", 2},
                      {"retries", 2}, {"steps", {"plan"}}}) ==
        "[   0.0s] retry plan/gate: sent back (1 of 2), rerunning 1");
  CHECK(format_event({{"ms", 0}, {"event", "gate_pass"}, {"gate", "g"}, {"unapproved", true}}) ==
        "[   0.0s] pass  g (UNAPPROVED: accepted after retries ran out)");
  CHECK(format_event({{"ms", 0}, {"event", "run_start"}, {"run", "r1"}, {"flow", "demo"},
                      {"steps", 3}, {"backend", "sim"}, {"simulated", true}, {"jobs", 2}}) ==
        "[   0.0s] run r1 of flow demo: 3 steps, backend sim (agents are SIMULATED), jobs 2");
  CHECK(format_event({{"ms", 0}, {"event", "run_start"}, {"run", "r1"}, {"flow", "demo"},
                      {"steps", 1}, {"gates", 1}, {"backend", "sim"}, {"jobs", 2}}) ==
        "[   0.0s] run r1 of flow demo: 1 step, 1 gate, backend sim, jobs 2");
  CHECK(format_event({{"ms", 0}, {"event", "run_resume"}, {"run", "r1"}, {"finished", 1}}) ==
        "[   0.0s] resume run r1: 1 step already finished");
}

TEST_CASE("a verdict line tells the whole check: who judged, how long, what it cost") {
  CHECK(format_event({{"ms", 2100}, {"event", "verdict"}, {"gate", "plan/gate"}, {"index", 0},
                      {"attempt", 1}, {"check", "review"}, {"agent", "code-review"},
                      {"verdict", "PASS"}, {"duration_ms", 1500}, {"cost_usd", 0.0123}}) ==
        "[   2.1s] PASS  plan/gate: code-review (attempt 1, 1.5s, $0.0123)");
  CHECK(format_event({{"ms", 0}, {"event", "verdict"}, {"gate", "b/gate"}, {"index", 1},
                      {"attempt", 2}, {"check", "command"}, {"command", "make test"},
                      {"verdict", "FAIL"}, {"duration_ms", 300}, {"reason", "exit 2"}}) ==
        "[   0.0s] FAIL  b/gate: `make test` (attempt 2, 0.3s): exit 2");
  CHECK(format_event({{"ms", 0}, {"event", "attempt"}, {"step", "plan"}, {"kind", "agent"},
                      {"agent", "planner"}, {"attempt", 1}, {"ok", true}, {"duration_ms", 40}}) ==
        "[   0.0s] ok    plan (planner, attempt 1, 0.0s)");
  CHECK(format_event({{"ms", 0}, {"event", "attempt"}, {"step", "planner"}, {"kind", "agent"},
                      {"agent", "planner"}, {"attempt", 1}, {"ok", true}, {"duration_ms", 40}}) ==
        "[   0.0s] ok    planner (attempt 1, 0.0s)");
}

TEST_CASE("status lines for a retried backend call and a killed leftover group") {
  CHECK(format_event({{"ms", 300}, {"event", "call_retry"}, {"step", "plan"}, {"call", 1},
                      {"calls", 3}, {"error", "claude: exit 1\nnetwork blip"}, {"delay_ms", 4200}}) ==
        "[   0.3s] again plan: call 1 of 3 failed (network blip); next call in 4.2s");
  CHECK(format_event({{"ms", 0}, {"event", "leftover_killed"}, {"pgid", 4242}, {"pid", 4242}}) ==
        "[   0.0s] killed process group 4242, left running by the crashed run");
}

TEST_CASE("status lines of a gate's round: the send-backs it counts, and a resume's rework") {
  // After a resume (or an outer gate's send-back), the gate's attempt no longer counts them.
  CHECK(format_event({{"ms", 0}, {"event", "retry"}, {"gate", "plan/gate"}, {"attempt", 5},
                      {"retries", 2}, {"sent_back", 1}, {"steps", {"plan"}}}) ==
        "[   0.0s] retry plan/gate: sent back (1 of 2), rerunning 1");
  CHECK(format_event({{"ms", 0}, {"event", "rework"}, {"gate", "plan/gate"},
                      {"reason", "resumed after the gate ran out of retries"}}) ==
        "[   0.0s] rework plan/gate: resumed after the gate ran out of retries; sent back with "
        "its last feedback");
  // A per-item gate's verdict names the item it judged (`index`), not a check.
  CHECK(format_event({{"ms", 0}, {"event", "verdict"}, {"gate", "w/gate"}, {"index", 1},
                      {"check_index", 0}, {"attempt", 1}, {"verdict", "FAIL"},
                      {"feedback", "Add error handling."}}) ==
        "[   0.0s] FAIL  w/gate item 2 (attempt 1): Add error handling.");
  CHECK(format_event({{"ms", 0}, {"event", "retry"}, {"gate", "w/gate"}, {"index", 1},
                      {"attempt", 2}, {"retries", 2}, {"sent_back", 1}, {"steps", {"w"}}}) ==
        "[   0.0s] retry w/gate[2]: sent back (1 of 2), rerunning 1");
  CHECK(format_event({{"ms", 0}, {"event", "exhausted"}, {"gate", "w/gate"}, {"index", 1},
                      {"attempts", 3}, {"action", "stop"}}) ==
        "[   0.0s] w/gate[2] ran out of retries after 3 attempts (else stop)");
}

TEST_CASE("the summary table has one row per step") {
  Summary s;
  s.add(event_of({{"event", "dispatch"}, {"step", "plan"}, {"kind", "agent"}, {"attempt", 1}}));
  s.add(event_of({{"event", "attempt"}, {"step", "plan"}, {"duration_ms", 1500}}));
  s.add(event_of({{"event", "done"}, {"step", "plan"}}));
  s.add(event_of({{"event", "skip"}, {"step", "deploy"}}));
  CHECK(s.table() ==
        "step    status       attempts      time\n"
        "plan    done                1      1.5s\n"
        "deploy  skipped             0      0.0s\n");
}

TEST_CASE("the summary table folds each gate into the step or block it guards") {
  Summary s;
  auto call = [&](const char* step, const char* kind, int attempt, int ms) {
    s.add(event_of({{"event", "dispatch"}, {"step", step}, {"kind", kind}, {"attempt", attempt}}));
    s.add(event_of({{"event", "attempt"}, {"step", step}, {"kind", kind}, {"duration_ms", ms}}));
  };
  call("backend-new-functionality-agent", "agent", 1, 1000);
  s.add(event_of({{"event", "done"}, {"step", "backend-new-functionality-agent"}}));
  call("backend-new-functionality-agent/gate", "review", 1, 500);
  s.add(event_of({{"event", "retry"}, {"gate", "backend-new-functionality-agent/gate"}}));
  call("backend-new-functionality-agent", "agent", 2, 1000);
  s.add(event_of({{"event", "done"}, {"step", "backend-new-functionality-agent"}}));
  call("backend-new-functionality-agent/gate", "review", 2, 500);
  s.add(event_of({{"event", "gate_pass"}, {"gate", "backend-new-functionality-agent/gate"}}));
  call("validation/gate", "verdict", 1, 0);  // a gate over a block: the block's row
  s.add(event_of({{"event", "exhausted"}, {"gate", "validation/gate"}}));
  call("build", "agent", 1, 200);
  s.add(event_of({{"event", "done"}, {"step", "build"}}));
  call("build/gate-2", "review", 1, 100);  // still running
  CHECK(s.table() ==
        "step                             status       attempts      time\n"
        "backend-new-functionality-agent  passed              2      3.0s\n"
        "validation                       rejected            1      0.0s\n"
        "build                            running             1      0.3s\n");
  CHECK(s.table(50) ==
        "step               status       attempts      time\n"
        "backend-\xe2\x80\xa6ty-agent  passed              2      3.0s\n"
        "validation         rejected            1      0.0s\n"
        "build              running             1      0.3s\n");
  CHECK(json::parse(s.to_json())["steps"].size() == 5);  // the JSON keeps every node
}

TEST_CASE("a summary fed the events as they are emitted equals one read back from the file") {
  std::vector<nlohmann::ordered_json> events = {
      {{"event", "dispatch"}, {"step", "plan"}, {"kind", "agent"}, {"attempt", 1}},
      {{"event", "attempt"}, {"step", "plan"}, {"kind", "agent"}, {"duration_ms", 1500}, {"agent", "planner"},
       {"cost_usd", 0.25}, {"input_tokens", 100}, {"output_tokens", 20}, {"turns", 2}},
      {{"event", "done"}, {"step", "plan"}},
      {{"event", "dispatch"}, {"step", "plan/gate"}, {"kind", "review"}, {"attempt", 1}},
      {{"event", "attempt"}, {"step", "plan/gate"}, {"kind", "review"}, {"duration_ms", 700}, {"agent", "critic"},
       {"cost_usd", nullptr}, {"input_tokens", 50}, {"output_tokens", 5}},
      {{"event", "gate_pass"}, {"gate", "plan/gate"}, {"unapproved", true}},
      {{"event", "skip"}, {"step", "deploy"}}};
  Summary emitted, read;
  auto feed = make_summary_feed(make_quiet_status(stderr), &emitted);
  for (const auto& e : events) {
    feed->event(event_of(nlohmann::json::parse(e.dump())));
    read.add(event_of(nlohmann::json::parse(e.dump())));
  }
  CHECK(emitted.table() == read.table());
  CHECK(emitted.table().find("unapproved") != std::string::npos);
  CHECK(emitted.usage().run().calls == 2);
  CHECK(emitted.usage().run().unpriced == 1);
  CHECK(emitted.usage().run().cost_usd == 0.25);
  CHECK(emitted.to_json() == read.to_json());
}

TEST_CASE("the plain status prints an event as emitted as format_event prints it read back") {
  std::vector<nlohmann::ordered_json> events = {
      {{"ms", 1200}, {"event", "dispatch"}, {"step", "fan"}, {"index", 4}, {"kind", "agent"},
       {"agent", "worker"}, {"attempt", 1}},
      {{"ms", 1300}, {"event", "attempt"}, {"step", "fan"}, {"index", 4}, {"ok", true},
       {"attempt", 1}, {"duration_ms", 100}, {"cost_usd", 0.5}},
      {{"ms", 1400}, {"event", "tools_unavailable"}, {"agent", "a"}, {"backend", "api"},
       {"tools", {"WebFetch", "Task"}}},
      {{"ms", 1500}, {"event", "fail"}, {"step", "x"}, {"error", "bad\x1b[2J\nmore"}}};
  std::string expected;
  for (const auto& e : events) expected += format_event(nlohmann::json::parse(e.dump())) + "\n";
  char buf[1024] = {};
  FILE* out = fmemopen(buf, sizeof buf, "w");
  REQUIRE(out);
  auto status = make_plain_status(out);
  for (const auto& e : events) status->event(event_of(nlohmann::json::parse(e.dump())));
  std::fclose(out);
  CHECK(std::string(buf) == expected);
  CHECK(expected.find("[5] (agent worker, attempt 1)") != std::string::npos);
  CHECK(expected.find("WebFetch, Task") != std::string::npos);
}

TEST_CASE("a big run's summary shows counts and only the steps worth a look") {
  Summary s;
  for (int i = 0; i < 100; ++i) {
    std::string step = "s" + std::to_string(i);
    s.add(event_of({{"event", "dispatch"}, {"step", step}, {"kind", "command"}, {"attempt", 1}}));
    if (i != 42) s.add(event_of({{"event", "done"}, {"step", step}}));
  }
  s.add(event_of({{"event", "fail"}, {"step", "s42"}}));
  CHECK(s.table() ==
        "100 steps: 99 done, 1 failed\n"
        "step  status       attempts      time\n"
        "s42   failed              1      0.0s\n");
}

TEST_CASE("event lines and the summary carry no control sequences from agents") {
  CHECK(format_event({{"ms", 0}, {"event", "fail"}, {"step", "build"},
                      {"error", "caf\xe9 \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\r"}}) ==
        "[   0.0s] FAILED build: caf\xef\xbf\xbd red");
  CHECK(format_event({{"ms", 0}, {"event", "verdict"}, {"gate", "g"}, {"index", 0}, {"attempt", 1},
                      {"verdict", "FAIL"}, {"feedback", "\xe2\x80\xaeno\x1b[1A"}}) ==
        "[   0.0s] FAIL  g check 1 (attempt 1): no");
  Summary s;
  s.add(event_of({{"event", "dispatch"}, {"step", "x\x1b[2Jy"}, {"kind", "agent"}, {"attempt", 1}}));
  CHECK(s.table().find('\x1b') == std::string::npos);
}

TEST_CASE("status messages are printed printable") {
  char buf[256] = {};
  FILE* out = fmemopen(buf, sizeof buf, "w");
  REQUIRE(out);
  auto status = make_plain_status(out);
  status->message("error: step `b` failed: \x1b]0;t\x07" "done\x1b[2J");
  std::fclose(out);
  CHECK(std::string(buf) == "error: step `b` failed: done\n");
}

TEST_CASE("a status line says how many items a step chose for a fan-out") {
  CHECK(format_event({{"ms", 0}, {"event", "items"}, {"step", "research"}, {"attempt", 1},
                      {"from", "topics"}, {"cap", 5}, {"items", {"a", "b", "c"}}}) ==
        "[   0.0s] items research: 3 chosen by topics (at most 5)");
}

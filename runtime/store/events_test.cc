#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "runtime/store/events.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

// One event of every kind, each optional field filled, so the round trip covers every field.
std::vector<EventBody> sample_events() {
  ev::CallPlace at{"plan", "agent", 2, 1};
  ev::CallUsage usage{0.0123, 1200, 300, 40, 5, 3, "sess-1"};
  return {
      ev::RunStart{"r1", "demo", "sim", true, 4, R"({"n":3,"topic":"ünïcode"})", 5, 2},
      ev::RunResume{"r1", 3},
      ev::LeftoverKilled{4242, 4243},
      ev::Interrupted{"SIGINT"},
      ev::RunEnd{"failed", "error: step `plan` failed", 1234},
      ev::Fail{"plan", "exit 2"},
      ev::BudgetExhausted{"spent", 7, 0.5, 9000, 10, 1.0, 100000},
      ev::BudgetUnknownCost{"plan"},
      ev::Skip{"deploy", "when: not on main"},
      ev::Dispatch{"plan", "design", 1, 0, "agent", "planner", "sonnet", "sim"},
      ev::CallRetry{at, 1, 3, "claude: exit 1", 2000},
      ev::Attempt{at, "planner", true, 850, "steps/plan.a2.i1.output.md", "steps/plan.a2.i1.prompt.md",
                  "fnv1a64:cbf29ce484222325", 12, std::nullopt, usage},
      ev::Items{"research", 1, "plan", 10, {"a", "b"}},
      ev::Done{"research", 1, "steps/research.a1.output.md", "fnv1a64:0123456789abcdef", 2},
      ev::Verdict{"plan/gate", "plan", 2, 1, "review", "FAIL", "too short", 0, "short", "critic",
                  "make test", 90, 0.002},
      ev::GatePass{"plan/gate", "plan", 3, true},
      ev::Retry{"plan/gate", 1, 2, 2, 1, "again", {"plan"}},
      ev::Rework{"plan/gate", 1, "plan", 3, 2, "resumed", "again", {"plan", "code"}},
      ev::Exhausted{"plan/gate", 1, "plan", 3, "ask", "still short", false, "terminal", "no"},
      ev::ApprovalWait{"ship", "Ship it?", "approval", "r1"},
      ev::Approval{"ship", "Ship it?", false, "terminal", "ann", "not yet", "add tests"},
      ev::ApprovalNotify{"ship", false, "notify: exit 1"},
      ev::ApiRetry{at, 1000, 2, "overloaded", 529, 3},
      ev::WriteRefused{at, "tool", "../x", "write_file", 2},
      ev::ToolsUnavailable{at, "planner", "openai", {"web_search"}},
      ev::WriteScopesUnconfined{at, "no Landlock"},
  };
}

std::string round_trip(const std::string& line) {
  Event e;
  if (!parse_event_line(line, &e)) return "(not read)";
  return event_line(e);
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("every kind in events.def has a round-trip case") {
  std::set<std::string> sampled;
  for (const EventBody& b : sample_events()) sampled.insert(event_name(b));
#define FLOW_EVENT(TYPE, WIRE) CHECK(sampled.count(WIRE) == 1);
#include "runtime/store/events.def"
#undef FLOW_EVENT
}

TEST_CASE("every kind goes to JSON and back byte for byte, each field kept") {
  int64_t seq = 1;
  for (const EventBody& body : sample_events()) {
    Event e{seq++, "2026-12-08T01:02:03.456Z", 789, body};
    std::string line = event_line(e);
    INFO(line);
    CHECK(line.rfind("{\"seq\":", 0) == 0);
    CHECK(line.find(std::string("\"event\":\"") + event_name(body) + "\"") != std::string::npos);
    Event back;
    REQUIRE(parse_event_line(line, &back));
    CHECK(back.body.index() == body.index());
    CHECK(back.seq == e.seq);
    CHECK(back.ts == e.ts);
    CHECK(back.ms == e.ms);
    CHECK(event_line(back) == line);
  }
}

TEST_CASE("optional fields stay absent, and a price unknown is null") {
  ev::Attempt a{{"build", "command", 1, std::nullopt}};
  a.ok = true;
  a.output_hash = "fnv1a64:cbf29ce484222325";
  CHECK(event_line({1, "t", 2, a}) ==
        R"({"seq":1,"ts":"t","ms":2,"event":"attempt","step":"build","kind":"command","attempt":1,)"
        R"("ok":true,"duration_ms":0,"output_hash":"fnv1a64:cbf29ce484222325","bytes":0})");
  a.agent = "planner";
  a.usage = ev::CallUsage{};
  std::string line = event_line({1, "t", 2, a});
  CHECK(line.find(R"("cost_usd":null,"input_tokens":0)") != std::string::npos);
  CHECK(round_trip(line) == line);
}

TEST_CASE("a run's events.jsonl written before the events were typed reads and writes back the same") {
  // Real runs of examples/review-loop.flow, human-approval.flow and chosen-topics.flow on the sim
  // backend (reviews that fail, a gate out of retries and a resume, approvals, a fan-out over
    // chosen items, a budget and a resume), as the emitters wrote them before events were typed.
  for (const char* name : {"events-review.jsonl", "events-approval.jsonl", "events-fanout.jsonl"}) {
    std::vector<std::string> lines = lines_of(std::string(FLOW_RUNTIME_TESTDATA) + "/" + name);
    REQUIRE(lines.size() > 10);
    std::set<std::string> kinds;
    for (const std::string& line : lines) {
      INFO(line);
      Event e;
      REQUIRE(parse_event_line(line, &e));
      CHECK_FALSE(std::holds_alternative<ev::Unknown>(e.body));
      kinds.insert(event_name(e.body));
      CHECK(event_line(e) == line);
    }
    CHECK(kinds.size() >= 8);
  }
}

TEST_CASE("damaged lines and unknown kinds read without throwing") {
  const char* lines[] = {
      R"({"seq":1,"event":"done"})",
      R"({"seq":"one","ts":7,"event":"attempt","step":3,"index":"first","ok":"yes","cost_usd":"x"})",
      R"({"event":"verdict","gate":["g"],"attempt":-1,"items":{"a":1},"check_index":null})",
      R"({"event":"items","items":[1,"a",null]})",
      R"({"event":"run_start","inputs":"not an object","simulated":"yes"})",
      R"({"event":"from_the_future","x":1})",
      R"({"event":42})",
      R"({"event":"exhausted","accepted":"no","attempts":1.5})",
  };
  for (const char* line : lines) {
    INFO(line);
    Event e;
    REQUIRE_NOTHROW(parse_event_line(line, &e));
    CHECK(parse_event_line(line, &e));
    REQUIRE_NOTHROW(event_line(e));
  }
  Event e;
  REQUIRE(parse_event_line(R"({"seq":5,"event":"from_the_future","x":1})", &e));
  const auto* u = std::get_if<ev::Unknown>(&e.body);
  REQUIRE(u);
  CHECK(u->event == "from_the_future");
  CHECK(event_line(e) == R"({"seq":5,"event":"from_the_future","x":1})");  // kept as it was
  REQUIRE(parse_event_line(R"({"seq":1,"event":"attempt","step":3,"index":"first","ok":"yes"})", &e));
  const auto* a = std::get_if<ev::Attempt>(&e.body);
  REQUIRE(a);
  CHECK(a->at.step == "3");
  CHECK_FALSE(a->at.index);
  CHECK_FALSE(a->ok);
  CHECK_FALSE(parse_event_line("garbage", &e));
  CHECK_FALSE(parse_event_line(R"({"seq":1})", &e));
  CHECK_FALSE(parse_event_line("[1,2]", &e));
}

TEST_CASE("a backend's event travels without its place, which the scheduler adds") {
  std::string text = backend_event_text(ev::WriteRefused{{"s", "agent", 1, 0}, "kernel", "/etc/x"});
  CHECK(text == R"({"event":"write_refused","by":"kernel","path":"/etc/x"})");
  BackendEvent back;
  REQUIRE(parse_backend_event(text, &back));
  REQUIRE(std::holds_alternative<ev::WriteRefused>(back));
  CHECK(std::get<ev::WriteRefused>(back).path == "/etc/x");
  CHECK_FALSE(parse_backend_event(R"({"event":"done","step":"x"})", &back));
  CHECK_FALSE(parse_backend_event("nope", &back));
}

}  // namespace flow::rt

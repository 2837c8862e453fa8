#include "runtime/budget.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/scheduler.h"
#include "runtime/testing.h"

using namespace flow;
using namespace flow::rt;
using namespace flow::rt::testing;
using json = nlohmann::json;

TEST_CASE("a budget is reached once the amount spent reaches it, not before") {
  BudgetLimits limits;
  limits.cost_usd = 0.05;
  Spent spent;
  AgentUsage call;
  call.known = true;
  call.cost_usd = 0.01;
  call.input_tokens = 100;
  call.output_tokens = 20;
  for (int i = 0; i < 4; ++i) spent.add_usage(call);
  CHECK(budget_reached(limits, spent).empty());
  spent.add_usage(call);  // five times 0.01 is not exactly 0.05 in binary: still reached
  CHECK(budget_reached(limits, spent) == "the cost budget of $0.0500 is spent ($0.0500 in 5 calls)");
  CHECK(spent.usage.tokens() == 600);

  BudgetLimits tokens;
  tokens.tokens = 601;
  CHECK(budget_reached(tokens, spent).empty());
  tokens.tokens = 600;
  CHECK(budget_reached(tokens, spent) == "the token budget of 600 is spent (600 tokens in 5 calls)");

  BudgetLimits calls;
  calls.calls = 3;
  calls.calls_rule = "f.flow:4:1";
  spent.calls = 2;
  CHECK(budget_reached(calls, spent).empty());
  spent.calls = 3;
  CHECK(budget_reached(calls, spent) ==
        "the rule `at most 3 calls` (f.flow:4:1) allows no further agent call (3 made)");
}

TEST_CASE("a call of unknown cost counts its tokens and no dollars") {
  Spent spent;
  AgentUsage u;
  u.known = true;
  u.cost_known = false;
  u.input_tokens = 7;
  spent.add_usage(u);
  spent.add_usage(AgentUsage{});  // not known: nothing
  CHECK(spent.usage.calls == 1);
  CHECK(spent.usage.unpriced == 1);
  CHECK(spent.usage.cost_usd == 0);
  CHECK(spent.usage.tokens() == 7);
}

TEST_CASE("what a run spent is read back from its events") {
  std::vector<json> events = {
      {{"event", "dispatch"}, {"kind", "agent"}},
      {{"event", "dispatch"}, {"kind", "command"}},
      {{"event", "dispatch"}, {"kind", "review"}},
      {{"event", "attempt"}, {"kind", "agent"}, {"cost_usd", 0.25}, {"input_tokens", 10}},
      {{"event", "attempt"}, {"kind", "review"}, {"cost_usd", nullptr}, {"output_tokens", 5}},
      {{"event", "attempt"}, {"kind", "command"}}};
  Spent s = spent_from_events(events);
  CHECK(s.calls == 2);
  CHECK(s.usage.calls == 2);
  CHECK(s.usage.cost_usd == 0.25);
  CHECK(s.usage.tokens() == 15);
}

TEST_CASE("budget options parse dollars and whole tokens only") {
  double usd = -1;
  int64_t n = -1;
  CHECK(parse_cost("0.05", &usd));
  CHECK(usd == 0.05);
  CHECK(parse_cost("2", &usd));
  CHECK_FALSE(parse_cost("-1", &usd));
  CHECK_FALSE(parse_cost("1e3", &usd));
  CHECK_FALSE(parse_cost("$1", &usd));
  CHECK_FALSE(parse_cost("1.2.3", &usd));
  CHECK_FALSE(parse_cost("", &usd));
  CHECK(parse_tokens("200000", &n));
  CHECK(n == 200000);
  CHECK_FALSE(parse_tokens("2k", &n));
  CHECK_FALSE(parse_tokens("-5", &n));
}

TEST_CASE("the scheduler never starts the call after the last one a call limit allows") {
  // Defence in depth: `flow run` refuses a run whose worst case exceeds the rule, but the
  // scheduler holds the limit itself too (here the limit is set directly, below the flow's
  // five calls).
  TempDir tmp;
  FlowBuilder b;
  uint32_t prev = b.agent("s0");
  for (int i = 1; i < 5; ++i) prev = b.agent("s" + std::to_string(i), {prev});
  FakeBackend fake;
  RunSetup setup;
  setup.jobs = 1;
  setup.limits.calls = 3;
  setup.limits.calls_rule = "limits.flow:2:1";
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitBudget);
  CHECK(fake.calls().size() == 3);
  REQUIRE(of_kind(r.events, "budget_exhausted").size() == 1);
  CHECK(of_kind(r.events, "budget_exhausted")[0]["calls"] == 3);
  CHECK(of_kind(r.events, "run_end").back()["status"] == "budget_exhausted");
  CHECK(r.report.find("at most 3 calls") != std::string::npos);
}

TEST_CASE("a cost budget lets running calls finish, then resumes with a larger one") {
  TempDir tmp;
  FlowBuilder b;
  for (int i = 0; i < 6; ++i) b.agent("w" + std::to_string(i));
  FakeBackend fake;
  fake.reply = [](const AgentRequest& r) {
    AgentResult res;
    res.ok = true;
    res.output = "out:" + r.step;
    res.usage.known = true;
    res.usage.cost_usd = 0.5;
    return res;
  };
  RunSetup setup;
  setup.jobs = 3;  // three calls start with $0 spent; all three finish and count
  setup.limits.cost_usd = 0.5;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitBudget);
  CHECK(fake.calls().size() == 3);
  CHECK(of_kind(r.events, "done").size() == 3);
  REQUIRE(of_kind(r.events, "budget_exhausted").size() == 1);
  // Recorded when the stop was decided; the report counts the calls that finished since.
  CHECK(of_kind(r.events, "budget_exhausted")[0]["cost_usd"].get<double>() >= 0.5);
  CHECK(r.report.find("3 calls started, $1.5000") != std::string::npos);
  CHECK(r.report.find("flow resume test-run --max-cost LARGER") != std::string::npos);

  setup.jobs = 1;
  setup.limits.cost_usd = 2.0;  // counts the $1.50 already spent: one more call
  FakeBackend more;
  more.reply = fake.reply;
  RunOutcome again = run_with_fake(b.flow, more, tmp.path, setup, &r.events);
  CHECK(again.exit_code == kExitBudget);
  CHECK(more.calls().size() == 1);
}

TEST_CASE("a call of unknown cost under a cost budget is recorded once and counts as $0") {
  TempDir tmp;
  FlowBuilder b;
  uint32_t prev = b.agent("s0");
  for (int i = 1; i < 3; ++i) prev = b.agent("s" + std::to_string(i), {prev});
  FakeBackend fake;
  fake.reply = [](const AgentRequest& r) {
    AgentResult res;
    res.ok = true;
    res.output = "out:" + r.step;
    res.usage.known = true;
    res.usage.cost_known = false;  // a model without a price
    res.usage.input_tokens = 10;
    return res;
  };
  RunSetup setup;
  setup.jobs = 1;
  setup.limits.cost_usd = 0.01;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitOk);  // $0 counted: the budget never stops the run
  CHECK(fake.calls().size() == 3);
  REQUIRE(of_kind(r.events, "budget_unknown_cost").size() == 1);
  CHECK(of_kind(r.events, "budget_unknown_cost")[0]["step"] == "s0");
}

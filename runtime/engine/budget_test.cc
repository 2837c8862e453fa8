#include "runtime/engine/budget.h"

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>

#include "runtime/engine/scheduler.h"
#include "runtime/store/event_json.h"
#include "runtime/testing.h"

using namespace flow;
using namespace flow::rt;
using namespace flow::rt::testing;
using json = nlohmann::json;

namespace {

// A fake backend's answer that reports its usage: a price of `cost_usd` per call, or no price
// (cost unknown) with 10 input tokens.
std::function<AgentResult(const AgentRequest&)> priced_reply(std::optional<double> cost_usd) {
  return [cost_usd](const AgentRequest& r) {
    AgentResult res;
    res.ok = true;
    res.output = "out:" + r.step;
    res.usage.known = true;
    res.usage.cost_known = cost_usd.has_value();
    if (cost_usd) res.usage.cost_usd = *cost_usd;
    else res.usage.input_tokens = 10;
    return res;
  };
}

ir::Rule budget_rule(ir::Rule::Kind kind, int64_t limit, double usd, uint32_t line) {
  ir::Rule r;
  r.kind = kind;
  r.limit = limit;
  r.limit_usd = usd;
  r.loc.file = 1;  // flow.files[1], "b.flow"
  r.loc.line = line;
  r.loc.col = 1;
  return r;
}

}  // namespace

TEST_CASE("rules give the budgets, and the command line replaces cost and token rules, not calls") {
  ir::Flow flow;
  flow.files = {"", "b.flow"};
  flow.rules = {budget_rule(ir::Rule::Kind::AtMostCost, 0, 2.5, 1),
                budget_rule(ir::Rule::Kind::AtMostCost, 0, 1.5, 2),
                budget_rule(ir::Rule::Kind::AtMostTokens, 9000, 0, 3),
                budget_rule(ir::Rule::Kind::AtMostCalls, 40, 0, 4)};
  BudgetLimits from_rules;
  add_rule_budgets(flow, &from_rules);
  CHECK(*from_rules.cost_usd == 1.5);  // the smallest of two
  CHECK(from_rules.cost_rule == "b.flow:2:1");
  CHECK(*from_rules.tokens == 9000);
  CHECK(*from_rules.calls == 40);
  CHECK(describe_budgets(from_rules) ==
        "at most 40 calls (rule at b.flow:4:1), $1.5000 (rule at b.flow:2:1), 9000 tokens "
        "(rule at b.flow:3:1)");

  BudgetLimits given;  // --max-cost 5 --max-tokens 100: larger or smaller, they win
  given.cost_usd = 5;
  given.tokens = 100;
  add_rule_budgets(flow, &given);
  CHECK(*given.cost_usd == 5);
  CHECK(*given.tokens == 100);
  CHECK(given.cost_rule.empty());
  CHECK(*given.calls == 40);
  CHECK(describe_budgets(BudgetLimits{}) == "none");
}

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
  std::vector<Event> typed;
  for (const json& e : events) typed.push_back(event_from_json(e));
  Spent s = spent_from_events(typed);
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
  fake.reply = priced_reply(0.5);
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
  fake.reply = priced_reply(std::nullopt);  // a model without a price
  RunSetup setup;
  setup.jobs = 1;
  setup.limits.cost_usd = 0.01;
  RunOutcome r = run_with_fake(b.flow, fake, tmp.path, setup);
  CHECK(r.exit_code == kExitOk);  // $0 counted: the budget never stops the run
  CHECK(fake.calls().size() == 3);
  REQUIRE(of_kind(r.events, "budget_unknown_cost").size() == 1);
  CHECK(of_kind(r.events, "budget_unknown_cost")[0]["step"] == "s0");
}

#include "compiler/checks/checks.h"

#include <catch2/catch.hpp>

#include "compiler/stats.h"
#include "compiler/test_util.h"

using flow::testing::codes;
using flow::testing::compile_text;
using flow::testing::find_code;

namespace {

// Most cases call only some of these agents; their unused warnings are not the point here.
const char* kAgents = R"(# flowc: allow-file W0100
agent a < description "A"; tools Read; prompt "a" >
agent b < description "B"; tools Read; prompt "b" >
agent r < description "R"; role reviewer; tools Read; prompt "r" >
)";

std::string with_agents(const std::string& rest) { return std::string(kAgents) + rest; }

}  // namespace

TEST_CASE("cycles are reported once, with the cycle in running order") {
  auto c = compile_text(with_agents("stage s < a after b; b after a >\n"));
  REQUIRE(codes(c->diags) == "E0200");
  CHECK(c->diags[0].message == "dependency cycle: `b` -> `a` -> `b`");
  auto self = compile_text(with_agents("stage s a after a\n"));
  REQUIRE(codes(self->diags) == "E0200");
  CHECK(self->diags[0].message == "dependency cycle: `a` -> `a`");
}

TEST_CASE("a uses edge that closes a cycle is reported as a use before it exists") {
  auto c = compile_text(with_agents("stage s < a uses b; b >\n"));
  REQUIRE(codes(c->diags) == "E0401");
  CHECK(c->diags[0].message == "`a` uses the output of `b`, which runs after it");
  CHECK(c->diags[0].notes.at(0) == "`b` waits for `a`: `a` -> `b`");
  CHECK(codes(compile_text(with_agents("stage s < a; b uses a >\n"))->diags) == "");
}

TEST_CASE("a long chain is checked without recursion") {
  std::string flow = with_agents("stage s <");
  for (int i = 0; i < 50000; ++i) flow += " a as s" + std::to_string(i) + ";";
  flow += " a as last after s0 >\n";
  auto c = compile_text(flow);
  CHECK(codes(c->diags) == "");
}

TEST_CASE("self review, retry bounds and gates that never run") {
  CHECK(codes(compile_text(with_agents("stage s a review a\n"))->diags) == "E0301");
  CHECK(codes(compile_text(with_agents("stage s < a; b > review b\n"))->diags) == "E0301");
  CHECK(codes(compile_text(with_agents("stage s a review r else continue\n"))->diags) == "E0302");
  CHECK(codes(compile_text(with_agents("stage s a review r else ask\n"))->diags) == "E0302");
  CHECK(codes(compile_text(with_agents("stage s a over [\"x\"] review r\n"))->diags) == "E0302");
  CHECK(codes(compile_text(with_agents("stage s a over [\"x\"] review each r\n"))->diags) ==
        "E0302");
  CHECK(codes(compile_text(with_agents("stage s a review r retries 1 else continue\n"))->diags) ==
        "");
  CHECK(codes(compile_text(with_agents("stage s a review r retries 0\n"))->diags) == "E0303");
  CHECK(codes(compile_text(with_agents("stage s a check \"true\" retries 0\n"))->diags) == "");
  CHECK(codes(compile_text(with_agents("stage s a review r retries 21\n"))->diags) == "E0304");
  CHECK(codes(compile_text(with_agents("stage s a review r retries 20\n"))->diags) == "");
  CHECK(codes(compile_text(with_agents("stage s < a; < > review r >\n"))->diags) ==
        "E0306 W0101");
}

TEST_CASE("every step reviewed by R names each unreviewed step") {
  auto c = compile_text(with_agents(
      "stage s < a; b review r >\nstage t < a as a2; b as b2 > review each r\nstage u r\n"
      "rule every step reviewed by r\n"));
  REQUIRE(codes(c->diags) == "E0305 W0105");  // r's own call is exempt from the rule (W0105 aside)
  CHECK(c->diags[0].message == "step `a` is not reviewed by `r`, as a rule requires");
  CHECK(c->diags[0].span.begin.line == 5);  // at the step
  CHECK(c->diags[0].span.begin.col == 11);
  REQUIRE(c->diags[0].secondary.size() == 1);
  CHECK(c->diags[0].secondary[0].message == "the rule");
  CHECK(c->diags[0].secondary[0].span.begin.line == 8);  // the rule
  CHECK(codes(compile_text(with_agents("stage s < a; b > review r\nrule every step reviewed by r\n"))
                  ->diags) == "");
}

TEST_CASE("rule A before B: the wrong order, no order, and a kept order") {
  auto wrong = compile_text(with_agents("stage one a\nstage two b\nrule two before one\n"));
  REQUIRE(codes(wrong->diags) == "E0400");
  CHECK(wrong->diags[0].message == "rule broken: `one` can start before `two` finishes");
  CHECK(wrong->diags[0].notes.at(0) == "the flow orders them the other way: `a` -> `b`");

  auto none = compile_text(with_agents("stage s parallel < a; b >\nrule a before b\n"));
  REQUIRE(codes(none->diags) == "E0400");
  CHECK(none->diags[0].notes.at(0) ==
        "nothing orders them: no chain of dependencies leads from `a` to `b`, so they may run "
        "at the same time");
  CHECK(none->diags[0].help == "add `after a` to `b`");

  CHECK(codes(compile_text(with_agents("stage one a review r\nstage two b\nrule one before two\n"))
                  ->diags) == "");
  CHECK(codes(compile_text(with_agents("stage one a\nrule one before nothing\n"))->diags) ==
        "E0103");
}

TEST_CASE("permissions: overlapping parallel writes, writers without tools, writing coordinators") {
  const char* writers = R"(agent w1 < description "w"; tools Write; writes "src/**" >
agent w2 < description "w"; tools Edit; writes "src/api/*.cc" >
agent w3 < description "w"; tools Bash; writes "docs/**" >
)";
  auto overlap = compile_text(with_agents(std::string(writers) + "stage s parallel < w1; < w2; w3 > >\n"));
  REQUIRE(codes(overlap->diags) == "E0500");
  CHECK(overlap->diags[0].message ==
        "steps `w1` and `w2` may run at the same time and write the same files");
  REQUIRE(overlap->diags[0].secondary.size() == 1);
  CHECK(overlap->diags[0].secondary[0].message == "`w1` writes \"src/**\"");
  CHECK(overlap->diags[0].notes.at(0) ==
        "`w2` writes \"src/api/*.cc\", and neither step waits for the other");
  CHECK(codes(compile_text(with_agents(std::string(writers) + "stage s parallel < w2; w3 >\nstage t w1\n"))
                  ->diags) == "");
  CHECK(codes(compile_text(with_agents(std::string(writers) + "stage s < w1; w2 >\nstage t w3\n"))
                  ->diags) == "");

  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; tools Read; writes \"a/**\" >\n"
                                       "stage s x\n"))
                  ->diags) == "E0501");
  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; role coordinator; tools Read, "
                                       "Bash >\nstage s x\n"))
                  ->diags) == "E0502");
  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; role coordinator; tools Read >\n"
                                       "stage s x\n"))
                  ->diags) == "");
}

TEST_CASE("permissions: no tools list means every tool, as Claude Code gives it") {
  // A coordinator without `tools` holds the writing tools too.
  auto every = compile_text(with_agents("agent x < description \"x\"; role coordinator >\n"
                                        "stage s x\n"));
  REQUIRE(codes(every->diags) == "E0502");
  CHECK(every->diags[0].message ==
        "coordinator `x` has no `tools` list, so it holds every tool, the writing tool `Write` "
        "among them");
  // A worker without `tools` may write what it declares.
  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; writes \"a/**\" >\n"
                                       "stage s x\n"))
                  ->diags) == "");
  // ... and is compared with other writers.
  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; writes \"a/**\" >\n"
                                       "agent y < description \"y\"; writes \"a/b\" >\n"
                                       "stage s parallel < x; y >\n"))
                  ->diags) == "E0500");
  // A tool entry with arguments is still that tool.
  auto args = compile_text(with_agents("agent x < description \"x\"; role coordinator; "
                                       "tools Read, \"Bash(git log:*)\" >\nstage s x\n"));
  REQUIRE(codes(args->diags) == "E0502");
  CHECK(args->diags[0].message == "coordinator `x` holds the writing tool `Bash`");
}

TEST_CASE("permissions: disallowed tools are taken away, only a bare name takes a tool") {
  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; role coordinator; "
                                       "disallowed-tools Write, Edit, MultiEdit, NotebookEdit, "
                                       "Bash >\nstage s x\n"))
                  ->diags) == "");
  auto partial = compile_text(with_agents("agent x < description \"x\"; role coordinator; "
                                          "tools Read, Bash; disallowed-tools \"Bash(rm:*)\" >\n"
                                          "stage s x\n"));
  CHECK(codes(partial->diags) == "E0502");
  // Every writing tool disallowed: `writes` has nothing to write with.
  CHECK(codes(compile_text(with_agents("agent x < description \"x\"; tools Write; "
                                       "disallowed-tools Write; writes \"a/**\" >\nstage s x\n"))
                  ->diags) == "E0501");
}

TEST_CASE("a block's permission-mode and max-turns are checked like the file's fields") {
  auto c = compile_text(with_agents("agent x < description \"x\"; permission-mode acceptEdit; "
                                    "max-turns 0 >\nstage s x\n"));
  REQUIRE(codes(c->diags) == "E0116 E0116");
  CHECK(c->diags[0].message == "`acceptEdit` is not a value of agent field `permission-mode`");
  CHECK(c->diags[0].help == "did you mean `acceptEdits`?");
  CHECK(c->diags[1].message == "agent field `max-turns` must be at least 1");
  auto ok = compile_text(with_agents("agent x < description \"x\"; permission-mode plan; "
                                     "max-turns 7; tools [] >\nstage s x\n"));
  REQUIRE(codes(ok->diags) == "");
  const flow::ir::Agent* x = ok->lowered.flow.find_agent("x");
  REQUIRE(x);
  CHECK(x->permission_mode == "plan");
  CHECK(x->max_turns == 7);
  REQUIRE(x->tools);
  CHECK(x->tools->empty());
}

TEST_CASE("rule AGENT writes only: each pattern must fall within an allowed glob") {
  const char* x = "agent x < description \"x\"; tools Write; writes \"src/**\", \"notes.md\" >\nstage s x\n";
  CHECK(codes(compile_text(with_agents(std::string(x) + "rule x writes only \"src/**\", \"*.md\"\n"))
                  ->diags) == "");
  auto bad = compile_text(with_agents(std::string(x) + "rule x writes only \"src/**\"\n"));
  REQUIRE(codes(bad->diags) == "E0503");
  CHECK(bad->diags[0].message == "rule broken: `x` may write \"notes.md\", outside the allowed paths");
}

TEST_CASE("worst-case calls: fan-out items, gate attempts and reviewer calls") {
  // Stage one: a runs for 3 items × 2 attempts = 6, its reviewer 2 times: 8.
  // Stage two: b sits in an inner gate (retries 1) inside an outer one (retries 2), so it runs
  // 2 × 3 = 6 times; the inner review runs 2 × 3 = 6 times and the outer one 3 times: 15.
  const std::string stages =
      "stage one a over [\"x\", \"y\", \"z\"] review r retries 1\n"
      "stage two < b review r retries 1 > review r retries 2\n";
  auto c = compile_text(with_agents(stages));
  REQUIRE(codes(c->diags) == "");
  flow::CallStats s = flow::worst_case_calls(c->lowered.flow);
  CHECK(s.calls == 23);
  CHECK_FALSE(s.unbounded);
  CHECK(s.agent_steps == 2);
  CHECK(s.gates == 3);

  CHECK(codes(compile_text(with_agents(stages + "rule at most 23 calls\n"))->diags) == "");
  auto over = compile_text(with_agents(stages + "rule at most 22 calls\n"));
  REQUIRE(codes(over->diags) == "E0600");
  CHECK(over->diags[0].message == "rule broken: the worst case is 23 agent calls, more than 22");
}

TEST_CASE("worst-case calls of review each on a fan-out count each item's attempts and reviews") {
  // 3 items, each up to 1 + 2 attempts, each attempt one call and one review: 3 × 3 × 2 = 18;
  // reviewed whole, 3 × 3 item calls and 3 reviews: 12.
  const std::string items = "stage s a over [\"x\", \"y\", \"z\"] ";
  auto each = compile_text(with_agents(items + "review each r retries 2\n"));
  REQUIRE(codes(each->diags) == "");
  CHECK(flow::worst_case_calls(each->lowered.flow).calls == 18);
  auto whole = compile_text(with_agents(items + "review r retries 2\n"));
  CHECK(flow::worst_case_calls(whole->lowered.flow).calls == 12);
  // A block's review each around it multiplies per item: a runs 3 × 2 × 3 = 18 times, the
  // inner review as often, the outer one 3 × 3 = 9 times.
  auto nested = compile_text(with_agents(
      "stage s < a over [\"x\", \"y\", \"z\"] review each r retries 1 > "
      "review each b retries 2\n"));
  REQUIRE(codes(nested->diags) == "");
  CHECK(flow::worst_case_calls(nested->lowered.flow).calls == 45);
  // A step choosing up to 4 items: counted at the cap.
  auto chosen = compile_text(with_agents(
      "stage p b as topics\nstage s a over topics up to 4 review each r retries 1\n"));
  REQUIRE(codes(chosen->diags) == "");
  CHECK(flow::worst_case_calls(chosen->lowered.flow).calls == 1 + 4 * 2 * 2);
  auto over = compile_text(with_agents("stage s a over [\"x\", \"y\", \"z\"] review each r "
                                       "retries 2\nrule at most 17 calls\n"));
  REQUIRE(codes(over->diags) == "E0600");
  CHECK(over->diags[0].message == "rule broken: the worst case is 18 agent calls, more than 17");
}

TEST_CASE("a fan-out over an input without a default has no bound") {
  auto c = compile_text(with_agents("input areas: list\nstage s a over areas\nrule at most 9 calls\n"));
  REQUIRE(codes(c->diags) == "E0600");
  CHECK(c->diags[0].message ==
        "rule cannot hold: the number of agent calls has no bound, because step `a` fans out "
        "over an input with no default list");
  flow::CallStats s = flow::worst_case_calls(c->lowered.flow);
  CHECK(s.unbounded);
  auto with_default =
      compile_text(with_agents("input areas: list = [\"p\", \"q\"]\nstage s a over areas\n"));
  CHECK(flow::worst_case_calls(with_default->lowered.flow).calls == 2);
}

TEST_CASE("warnings: unused agents, empty blocks, lone parallel, unreachable steps") {
  auto unused = compile_text(
      "agent a < description \"A\" >\nagent b < description \"B\" >\nstage s a\n");
  REQUIRE(codes(unused->diags) == "W0100");
  CHECK(unused->diags[0].message == "agent `b` is never used");
  CHECK(codes(compile_text(kAgents)->diags) == "");  // no stages: a library of agents
  CHECK(codes(compile_text(with_agents("stage s < a; b review r; < > >\n"))->diags) == "W0101");
  CHECK(codes(compile_text(with_agents("stage s < a; parallel < b review r > >\n"))->diags) ==
        "W0102");
  auto unreachable =
      compile_text(with_agents("stage s < a; run \"exit 3\"; b review r >\nstage t a as again\n"));
  REQUIRE(codes(unreachable->diags) == "W0103");
  CHECK(unreachable->diags[0].message ==
        "step `b` can never run: it waits for `run`, which always fails");
  CHECK(codes(compile_text(with_agents("stage s < a; run \"exit 0\"; b review r >\n"))->diags) == "");
  CHECK(codes(compile_text(with_agents("stage s < a retries 2; b review r >\n"))->diags) == "W0104");
}

TEST_CASE("suppression comments silence a warning on their line or in the whole file") {
  const std::string flow = with_agents("stage s < a; b review r; < > > # flowc: allow W0101\n");
  CHECK(codes(compile_text(flow)->diags) == "");
  CHECK(codes(compile_text(with_agents("stage s < a; b review r; < > > # flowc: allow W0102\n"))
                  ->diags) == "W0101");
  CHECK(codes(compile_text("# flowc: allow-file W0100, W0101\n" +
                           with_agents("stage s < a; < > >\n"))
                  ->diags) == "");
  // Errors cannot be silenced.
  CHECK(codes(compile_text(with_agents("stage s zz # flowc: allow E0101\n"))->diags) ==
        "E0101");
}

TEST_CASE("thousands of unknown names get suggestions for the first ones only") {
  // A search per name is linear in the names, so suggesting for all would be quadratic.
  std::string flow = "agent a < description \"a\" >\nstage s <";
  for (int i = 0; i < 20000; ++i)
    flow += " a as x" + std::to_string(i) + " after y" + std::to_string(i) + ";";
  flow += " >\n";
  auto c = compile_text(flow);
  REQUIRE(c->diags.size() == 20000);
  CHECK(c->diags.front().help == "did you mean `x0`?");
  CHECK(c->diags.back().help ==
        "name a stage, or a step by its agent, `run`, `approve` or `as` name");
}

TEST_CASE("an input's default must have the input's type") {
  auto c = compile_text("input n: number = \"five\"\n");
  REQUIRE(codes(c->diags) == "E0107");
  CHECK(c->diags[0].message == "input `n` is a `number`, but its default is a string");
  CHECK(c->diags[0].span.begin.col == 19);
  CHECK(c->diags[0].help == "give it a `number` default, such as `= 3`, or change its type to `text`");
  // A bool with a list default would skip every step under `when`.
  auto b = compile_text(with_agents("input deep: bool = [\"x\"]\nstage s a when deep\n"));
  REQUIRE(codes(b->diags) == "E0107");
  CHECK(b->diags[0].message == "input `deep` is a `bool`, but its default is a list");
  CHECK(codes(compile_text("input t: text = 3\n")->diags) == "E0107");
  CHECK(codes(compile_text("input l: list = true\n")->diags) == "E0107");
  CHECK(codes(compile_text("input t: text = \"x\"\ninput n: number = 3\ninput b: bool = true\n"
                           "input l: list = [\"a\"]\n")
                  ->diags) == "");
}

TEST_CASE("rule A before B where one contains the other, or both are the same") {
  auto inside = compile_text(with_agents("stage build < a; b >\nrule a before build\n"));
  REQUIRE(codes(inside->diags) == "E0400");
  CHECK(inside->diags[0].notes.at(0) == "`a` is part of `build`, so it runs after `build` has started");
  auto outer = compile_text(with_agents("stage build < a; b >\nrule build before b\n"));
  REQUIRE(codes(outer->diags) == "E0400");
  CHECK(outer->diags[0].notes.at(0) == "`b` is part of `build`, so `build` cannot finish before it starts");
  // The step form is rejected like the stage form.
  auto self = compile_text(with_agents("stage s < a; b >\nrule a before a\n"));
  REQUIRE(codes(self->diags) == "E0400");
  CHECK(self->diags[0].notes.at(0) == "`a` and `a` are the same step: nothing finishes before it starts itself");
  CHECK(codes(compile_text(with_agents("stage s < a; b >\nrule s before s\n"))->diags) == "E0400");
  // A gated step holds its gate; the rule on the block and a later step still holds.
  CHECK(codes(compile_text(with_agents("stage s < a review r; b >\nstage t a as c\nrule s before c\n"))
                  ->diags) == "");
}

TEST_CASE("overlapping writes follow what may run at the same time, not the blocks") {
  const std::string writers = R"(agent w1 < description "w"; tools Write; writes "src/**" >
agent w2 < description "w"; tools Edit; writes "src/api/*.cc" >
agent w3 < description "w"; tools Bash; writes "docs/**" >
)";
  // Two stages that both wait only for the same stage run at the same time.
  auto stages = compile_text(
      with_agents(writers + "stage s a\nstage t after s w1\nstage u after s w2\n"));
  REQUIRE(codes(stages->diags) == "E0500");
  CHECK(stages->diags[0].message ==
        "steps `w1` and `w2` may run at the same time and write the same files");
  // A branch that waits for the other is not concurrent with it.
  CHECK(codes(compile_text(with_agents(writers + "stage s parallel < w1; w2 after w1 >\n"))->diags) ==
        "");
  // ... and an order through a gate counts too.
  CHECK(codes(compile_text(with_agents(writers + "stage s parallel < w1 review r; w2 after w1 >\n"))
                  ->diags) == "");
  // Ordered through a chain of other steps, in another branch.
  CHECK(codes(compile_text(with_agents(writers + "stage s parallel < < w1; a >; w2 after a >\n"))
                  ->diags) == "");
  // The same writer twice, concurrent with itself.
  CHECK(codes(compile_text(with_agents(writers + "stage s parallel < w1; w1 as again >\n"))->diags) ==
        "E0500");
  // Three writers where only the first and last overlap, the middle one ordered with neither.
  auto chain = compile_text(with_agents(writers + "stage s parallel < w1; w3; w2 >\n"));
  REQUIRE(codes(chain->diags) == "E0500");
  CHECK(chain->diags[0].message ==
        "steps `w1` and `w2` may run at the same time and write the same files");
  // Many writers of one pattern in sequence: one pass, no report.
  std::string seq = writers + "stage s <";
  for (int i = 0; i < 20000; ++i) seq += " w1 as x" + std::to_string(i) + ";";
  CHECK(codes(compile_text(with_agents(seq + " >\n"))->diags) == "");
}

TEST_CASE("no false warnings: a failing command under `when`, an agent of a duplicated stage") {
  // The command is skipped when `x` is false, and `b` runs then.
  CHECK(codes(compile_text(with_agents("input x: bool = true\n"
                                       "stage s < a; run \"exit 1\" when x; b review r >\n"))
                  ->diags) == "");
  // Under the same condition, `b` can never run.
  CHECK(codes(compile_text(with_agents("input x: bool = true\n"
                                       "stage s when x < a; run \"exit 1\"; b review r >\n"))
                  ->diags) == "W0103");
  // `b` is called by the second `s`, an error of its own, but not unused.
  auto dup = compile_text("agent a < description \"A\" >\nagent b < description \"B\" >\n"
                          "stage s a\nstage s b\n");
  CHECK(codes(dup->diags) == "E0105");
}

TEST_CASE("a step that uses or waits for the block it is part of") {
  auto c = compile_text(with_agents("stage s < b; < a uses blk > as blk >\n"));
  REQUIRE(codes(c->diags) == "E0401");
  CHECK(c->diags[0].message == "`a` uses the output of `blk`, which contains it");
  CHECK(c->diags[0].help == "`blk` finishes only after `a`; name a step that runs before `blk`, "
                            "or move `a` out of it");
  auto stage = compile_text(with_agents("stage s < b; a uses s >\n"));
  REQUIRE(codes(stage->diags) == "E0401");
  CHECK(stage->diags[0].message == "`a` uses the output of `s`, which contains it");
  auto after = compile_text(with_agents("stage s < b; < a after blk > as blk >\n"));
  REQUIRE(codes(after->diags) == "E0200");
  CHECK(after->diags[0].message == "`a` waits for `blk`, which contains it");
  auto self = compile_text(with_agents("stage s < b; a uses a >\n"));
  REQUIRE(codes(self->diags) == "E0401");
  CHECK(self->diags[0].message == "`a` uses the output of itself");
}

TEST_CASE("the checks give the same diagnostics, in the same order, on one thread or two") {
  // One finding of every kind of check: a cycle (checked beside the writes on two threads),
  // a gate, a rule's order, overlapping writes, the call budget and a warning.
  auto c = flow::testing::compile_text(R"(
agent w < description "W"; tools Write; writes "out/**"; prompt "w" >
agent r < description "R"; role reviewer; tools Read; prompt "r" >
agent idle < description "I"; prompt "i" >
stage one < w as w1; w as w2 > review r retries 0
stage two w as w3
stage three parallel < w as w4 after w5; w as w5 after w4; w as w6 >
rule w3 before w1
rule at most 1 calls
)",
                                       /*checks=*/false);
  std::vector<flow::Diagnostic> one = c->diags, two = c->diags;
  flow::run_checks({c->sources, c->program, c->lowered, one}, true, SIZE_MAX);
  flow::run_checks({c->sources, c->program, c->lowered, two}, true, 0);
  REQUIRE(one.size() >= 5);
  CHECK(std::any_of(one.begin(), one.end(), [](const flow::Diagnostic& d) {
    return d.code == "E0200";
  }));
  REQUIRE(one.size() == two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].code == two[i].code);
    CHECK(one[i].message == two[i].message);
  }
}

TEST_CASE("a condition on a step's outcome must be decided before the conditional step") {
  // Upstream: a later stage, a later step of a sequence, an `after`.
  CHECK(codes(compile_text(with_agents("stage s a\nstage t when s passed b\n"))->diags) == "");
  CHECK(codes(compile_text(with_agents("stage s < a; b when a passed cleanly >\n"))->diags) == "");
  CHECK(codes(compile_text(with_agents(
            "stage s parallel < a; b after a when not a passed >\n"))->diags) == "");
  // Beside it, after it, or inside it: E0402.
  CHECK(codes(compile_text(with_agents("stage s parallel < a; b when a passed >\n"))->diags) ==
        "E0402");
  CHECK(codes(compile_text(with_agents("stage s < a when b passed; b >\n"))->diags) == "E0402");
  CHECK(codes(compile_text(with_agents("stage s < a; b > when s passed\n"))->diags) == "E0402");
  // A stage's condition applies to each of its nodes, gates included: all must come after.
  auto c = compile_text(with_agents(
      "stage s a\nstage t when s passed cleanly < a as a2; b > review r\n"));
  CHECK(codes(c->diags) == "");
  for (const auto& n : c->lowered.flow.nodes)
    if (c->lowered.flow.stage_of(n) == "t") {
      REQUIRE(n.conditions.size() == 1);
      CHECK(n.conditions[0].nodes == std::vector<uint32_t>{0});
    }
}

TEST_CASE("names that reach commands as the same variable are reported") {
  CHECK(codes(compile_text("input a-b: text = \"x\"\ninput A_B: text = \"y\"\n")->diags) ==
        "E0117");
  CHECK(codes(compile_text("input a-b: text = \"x\"\ninput ab: text = \"y\"\n")->diags) == "");
  CHECK(codes(compile_text("stage s < run \"true\" as x.y; run \"true\" as x-y >\n")->diags) ==
        "E0117");
  // Without a command nothing sees the outputs' variables: agent steps alone may collide.
  CHECK(codes(compile_text(with_agents("stage s < a as x.y; b as x-y >\n"))->diags) == "");
}

TEST_CASE("a failing command under a condition other than a bool input blocks only its kind") {
  // Skipped when the condition does not hold, so what follows may still run.
  CHECK(codes(compile_text(with_agents(
            "input m: text = \"x\"\nstage p when m == \"y\" run \"false\"\nstage q a\n"))->diags) ==
        "");
  CHECK(codes(compile_text(with_agents(
            "input d: bool = true\nstage p when not d run \"false\"\nstage q a\n"))->diags) == "");
  // Under the same condition it is unreachable all the same.
  CHECK(codes(compile_text(with_agents(
            "input d: bool = true\nstage p when not d < run \"false\"; a >\n"))->diags) == "W0103");
}

TEST_CASE("a condition on a step without nodes compiles: that step never passes") {
  auto c = compile_text(with_agents("stage s < >\nstage t when s passed a\n"));
  CHECK(codes(c->diags) == "W0101");
  REQUIRE(c->lowered.flow.nodes.size() == 1);
  REQUIRE(c->lowered.flow.nodes[0].conditions.size() == 1);
  CHECK(c->lowered.flow.nodes[0].conditions[0].nodes.empty());
}

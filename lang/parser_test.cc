// The syntax tree the parser builds for each construct of docs/language.md, with spans.
#include <catch2/catch.hpp>

#include "lang/parse_test_util.h"

using flow::testing::headlines;
using flow::testing::parse_text;
using Kind = flow::ast::Step::Kind;

namespace {

std::string at(const flow::Span& s) {
  return std::to_string(s.begin.line) + ":" + std::to_string(s.begin.col) + "-" +
         std::to_string(s.end.line) + ":" + std::to_string(s.end.col);
}

}  // namespace

TEST_CASE("an empty file is valid and empty") {
  for (const char* text : {"", "   \n\t\n", "# only a comment", "# a\n\n# b\n"}) {
    auto p = parse_text(text);
    CHECK(p.errors() == 0);
    CHECK_FALSE(p.file().flow);
    CHECK(p.file().stages.empty());
    CHECK(p.file().agents.empty());
  }
}

TEST_CASE("flow header") {
  auto p = parse_text("flow hello \"Plans a feature\"  # trailing comment\n");
  REQUIRE(p.errors() == 0);
  REQUIRE(p.file().flow);
  CHECK(p.file().flow->name.name == "hello");
  CHECK(at(p.file().flow->name.span) == "1:6-1:11");
  CHECK(p.file().flow->description->value == "Plans a feature");
  CHECK(at(p.file().flow->description->span) == "1:12-1:29");
  CHECK(at(p.file().flow->span) == "1:1-1:29");

  auto bare = parse_text("flow x");
  REQUIRE(bare.errors() == 0);
  CHECK_FALSE(bare.file().flow->description);
}

TEST_CASE("inputs of every type, with defaults and descriptions") {
  auto p = parse_text(
      "input feature: text \"The feature to build\"\n"
      "input domains: list = [\"authentication\", \"storage\",] \"Areas\"\n"
      "input open-prs: bool = false \"Push branches\"\n"
      "input strict : bool = true\n"
      "input max-files: number = 20\n"
      "input title: text = \"untitled\"\n"
      "input empty: list = []\n");
  REQUIRE(p.errors() == 0);
  const auto& in = p.file().inputs;
  REQUIRE(in.size() == 7);
  CHECK(in[0].name.name == "feature");
  CHECK(in[0].type == flow::ast::InputType::Text);
  CHECK(at(in[0].type_span) == "1:16-1:20");
  CHECK_FALSE(in[0].default_value);
  CHECK(in[0].description->value == "The feature to build");
  CHECK(at(in[0].span) == "1:1-1:43");

  CHECK(in[1].type == flow::ast::InputType::List);
  REQUIRE(in[1].default_value);
  CHECK(in[1].default_value->kind == flow::ast::Value::Kind::List);
  REQUIRE(in[1].default_value->list.size() == 2);
  CHECK(in[1].default_value->list[1].value == "storage");
  CHECK(at(in[1].default_value->span) == "2:23-2:53");
  CHECK(in[1].description->value == "Areas");

  CHECK(in[2].type == flow::ast::InputType::Bool);
  CHECK(in[2].default_value->kind == flow::ast::Value::Kind::Bool);
  CHECK(in[2].default_value->boolean == false);
  CHECK(in[3].name.name == "strict");
  CHECK(in[3].default_value->boolean == true);
  CHECK(in[4].type == flow::ast::InputType::Number);
  CHECK(in[4].default_value->kind == flow::ast::Value::Kind::Integer);
  CHECK(in[4].default_value->integer == 20);
  CHECK(parse_text("input n: number = 123456789").file().inputs[0].default_value->integer ==
        123456789);
  CHECK(at(in[4].default_value->span) == "5:27-5:29");
  CHECK(in[5].default_value->text == "untitled");
  CHECK(in[6].default_value->list.empty());
}

TEST_CASE("use: module paths and quoted files") {
  auto p = parse_text("use std/policies\nuse lib/review/x   # comment\nuse \"common/agents.flow\"\n");
  REQUIRE(p.errors() == 0);
  const auto& u = p.file().uses;
  REQUIRE(u.size() == 3);
  CHECK_FALSE(u[0].is_file);
  CHECK(u[0].target == "std/policies");
  CHECK(at(u[0].target_span) == "1:5-1:17");
  CHECK(u[1].target == "lib/review/x");
  CHECK(at(u[1].span) == "2:1-2:17");
  CHECK(u[2].is_file);
  CHECK(u[2].target == "common/agents.flow");
  CHECK(at(u[2].target_span) == "3:5-3:25");
}

TEST_CASE("agent with every field") {
  auto p = parse_text(
      "agent tech-research <\n"
      "  description \"Researches one domain\"\n"
      "  model sonnet\n"
      "  tools Read, Grep, WebSearch\n"
      "  writes \"docs/research/**\", \"notes/*.md\"\n"
      "  role worker;\n"
      "  prompt \"Compare options.\"\n"
      ">\n");
  REQUIRE(p.errors() == 0);
  REQUIRE(p.file().agents.size() == 1);
  const auto& a = p.file().agents[0];
  CHECK(a.name.name == "tech-research");
  CHECK_FALSE(a.from);
  CHECK(a.description->value == "Researches one domain");
  CHECK(a.model->value == "sonnet");
  CHECK(at(a.model->span) == "3:9-3:15");
  REQUIRE(a.tools);
  REQUIRE(a.tools->size() == 3);
  CHECK((*a.tools)[2].name == "WebSearch");
  CHECK(at((*a.tools)[1].span) == "4:15-4:19");
  REQUIRE(a.writes->size() == 2);
  CHECK((*a.writes)[1].value == "notes/*.md");
  CHECK(a.role->name == "worker");
  CHECK(a.prompt->value == "Compare options.");
  CHECK(at(a.span) == "1:1-8:2");
}

TEST_CASE("agent fields on one line, separated by semicolons, with a quoted model") {
  auto p = parse_text("agent a < model \"claude-x-1\"; role reviewer; tools Read >");
  REQUIRE(p.errors() == 0);
  const auto& a = p.file().agents[0];
  CHECK(a.model->value == "claude-x-1");
  CHECK(a.role->name == "reviewer");
  CHECK(a.tools->size() == 1);
  CHECK_FALSE(a.description);
  CHECK_FALSE(a.writes);
}

TEST_CASE("tools []: an empty list, apart from no tools field") {
  auto p = parse_text("agent a < tools [ ] >\nagent b < tools [] ; role worker >\nagent c < role worker >");
  REQUIRE(p.errors() == 0);
  REQUIRE(p.file().agents.size() == 3);
  REQUIRE(p.file().agents[0].tools);
  CHECK(p.file().agents[0].tools->empty());
  REQUIRE(p.file().agents[1].tools);
  CHECK(p.file().agents[1].tools->empty());
  CHECK_FALSE(p.file().agents[2].tools);
  CHECK(headlines("agent a < tools [Read] >") ==
        "t.flow:1:18: error[E0014]: expected `]` after `tools [`, found `Read`\n");
}

TEST_CASE("tool entries with arguments are quoted, the Claude Code fields of a block") {
  auto p = parse_text(
      "agent a <\n"
      "  tools Read, \"Bash(git log:*)\", \"Agent(worker, researcher)\"\n"
      "  disallowed-tools WebFetch, \"Bash(rm:*)\"\n"
      "  permission-mode acceptEdits\n"
      "  max-turns 12\n"
      ">\n");
  REQUIRE(p.errors() == 0);
  const auto& a = p.file().agents[0];
  REQUIRE(a.tools);
  REQUIRE(a.tools->size() == 3);
  CHECK((*a.tools)[1].name == "Bash(git log:*)");
  CHECK((*a.tools)[2].name == "Agent(worker, researcher)");
  CHECK(at((*a.tools)[1].span) == "2:15-2:32");
  REQUIRE(a.disallowed_tools);
  REQUIRE(a.disallowed_tools->size() == 2);
  CHECK((*a.disallowed_tools)[0].name == "WebFetch");
  CHECK((*a.disallowed_tools)[1].name == "Bash(rm:*)");
  CHECK(a.permission_mode->name == "acceptEdits");
  CHECK(a.max_turns->value == 12);
  CHECK(at(a.max_turns->span) == "5:13-5:15");
  CHECK(headlines("agent a < max-turns many >") ==
        "t.flow:1:21: error[E0012]: expected a number after `max-turns`, found `many`\n");
  CHECK(headlines("agent a < disallowed-tools Bash; disallowed-tools Write >") ==
        "t.flow:1:34: error[E0019]: field `disallowed-tools` is given twice in this agent\n");
}

TEST_CASE("agent from a file, with and without overrides, agents from a directory") {
  auto p = parse_text(
      "agent code-review from \"agents/code-review.md\"\n"
      "agent backend-planner from \"agents/backend-planner.md\" < role coordinator >\n"
      "agents from \"agents/\"\n");
  REQUIRE(p.errors() == 0);
  const auto& as = p.file().agents;
  REQUIRE(as.size() == 2);
  CHECK(as[0].from->value == "agents/code-review.md");
  CHECK(at(as[0].from->span) == "1:24-1:47");
  CHECK_FALSE(as[0].role);
  CHECK(as[1].from->value == "agents/backend-planner.md");
  CHECK(as[1].role->name == "coordinator");
  REQUIRE(p.file().agent_dirs.size() == 1);
  CHECK(p.file().agent_dirs[0].dir.value == "agents/");
  CHECK(at(p.file().agent_dirs[0].span) == "3:1-3:22");
}

TEST_CASE("the design-card line") {
  auto p = parse_text("stage planner parallel < research; analyze; design; tests > review code-review");
  REQUIRE(p.errors() == 0);
  REQUIRE(p.file().stages.size() == 1);
  const auto& s = p.file().stages[0];
  CHECK(s.name.name == "planner");
  CHECK(s.after.empty());
  CHECK_FALSE(s.when);
  const auto& body = s.body;
  CHECK(body.kind == Kind::Block);
  CHECK(body.block == flow::ast::BlockKind::Parallel);
  CHECK(body.block_keyword);
  CHECK(at(body.span) == "1:15-1:60");
  CHECK(at(body.open_span) == "1:24-1:25");
  REQUIRE(body.children.size() == 4);
  const char* names[] = {"research", "analyze", "design", "tests"};
  for (int i = 0; i < 4; ++i) {
    CHECK(body.children[i].kind == Kind::Call);
    CHECK(body.children[i].agent.name == names[i]);
    CHECK(body.children[i].gates.empty());
  }
  CHECK(at(body.children[0].span) == "1:26-1:34");
  REQUIRE(body.gates.size() == 1);
  CHECK(body.gates[0].kind == flow::ast::Gate::Kind::Review);
  CHECK(body.gates[0].reviewer.name == "code-review");
  CHECK(at(body.gates[0].span) == "1:61-1:79");
  CHECK(at(s.span) == "1:1-1:79");
}

TEST_CASE("step forms: call, focus, fan-out, run, approve, nested blocks") {
  auto p = parse_text(
      "stage s sequence <\n"
      "  research \"authentication\";\n"
      "  research over [\"auth\", \"storage\"];\n"
      "  research over domains;\n"
      "  run \"make test\";\n"
      "  approve \"Are these the requirements?\";\n"
      "  approve;\n"
      "  < a; parallel < b; c >; >;\n"
      ">\n");
  REQUIRE(p.errors() == 0);
  const auto& body = p.file().stages[0].body;
  CHECK(body.block == flow::ast::BlockKind::Sequence);
  CHECK(body.block_keyword);
  REQUIRE(body.children.size() == 7);
  const auto& c = body.children;
  CHECK(c[0].kind == Kind::Call);
  CHECK(c[0].focus->value == "authentication");
  REQUIRE(c[1].over);
  REQUIRE(c[1].over->list);
  CHECK(c[1].over->list->size() == 2);
  CHECK(at(c[1].over->span) == "3:17-3:36");
  REQUIRE(c[2].over);
  CHECK(c[2].over->input->name == "domains");
  CHECK(at(c[2].over->span) == "4:17-4:24");
  CHECK(c[3].kind == Kind::Run);
  CHECK(c[3].text->value == "make test");
  CHECK(at(c[3].span) == "5:3-5:18");
  CHECK(c[4].kind == Kind::Approve);
  CHECK(c[4].text->value == "Are these the requirements?");
  CHECK(c[5].kind == Kind::Approve);
  CHECK_FALSE(c[5].text);
  CHECK(c[6].kind == Kind::Block);
  CHECK_FALSE(c[6].block_keyword);
  CHECK(c[6].block == flow::ast::BlockKind::Sequence);
  REQUIRE(c[6].children.size() == 2);
  CHECK(c[6].children[1].block == flow::ast::BlockKind::Parallel);
  CHECK(c[6].children[1].children.size() == 2);
  CHECK(at(c[6].children[1].span) == "8:8-8:25");
}

TEST_CASE("every step modifier, in any order") {
  auto p = parse_text(
      "stage s after a, b when ok\n"
      "  writer \"focus\" as w1 after x, y uses z when flag review r1 review each r2\n"
      "  check \"make test\" approve \"ship?\" approve retries 3 else continue\n");
  REQUIRE(p.errors() == 0);
  const auto& s = p.file().stages[0];
  REQUIRE(s.after.size() == 2);
  CHECK(s.after[1].name == "b");
  CHECK(s.when->subject.name == "ok");
  const auto& st = s.body;
  CHECK(st.agent.name == "writer");
  CHECK(at(st.span) == "2:3-2:17");
  CHECK(st.as->name == "w1");
  REQUIRE(st.after.size() == 2);
  CHECK(st.after[0].name == "x");
  REQUIRE(st.uses.size() == 1);
  CHECK(st.uses[0].name == "z");
  CHECK(st.when->subject.name == "flag");
  REQUIRE(st.gates.size() == 5);
  using G = flow::ast::Gate::Kind;
  CHECK(st.gates[0].kind == G::Review);
  CHECK(st.gates[0].reviewer.name == "r1");
  CHECK(st.gates[1].kind == G::ReviewEach);
  CHECK(st.gates[1].reviewer.name == "r2");
  CHECK(at(st.gates[1].span) == "2:62-2:76");
  CHECK(st.gates[2].kind == G::Check);
  CHECK(st.gates[2].text->value == "make test");
  CHECK(st.gates[3].kind == G::Approve);
  CHECK(st.gates[3].text->value == "ship?");
  CHECK(st.gates[4].kind == G::Approve);
  CHECK_FALSE(st.gates[4].text);
  CHECK(st.retries->value == 3);
  CHECK(at(st.retries->span) == "3:53-3:54");
  CHECK(st.on_exhausted == flow::ast::OnExhausted::Continue);
  CHECK(at(st.on_exhausted_span) == "3:60-3:68");
}

TEST_CASE("else stop and else ask, `each` as an agent name") {
  auto p = parse_text("stage a x review each else stop\nstage b y review critic else ask\n");
  REQUIRE(p.errors() == 0);
  const auto& a = p.file().stages[0].body;
  REQUIRE(a.gates.size() == 1);
  CHECK(a.gates[0].kind == flow::ast::Gate::Kind::Review);
  CHECK(a.gates[0].reviewer.name == "each");
  CHECK(a.on_exhausted == flow::ast::OnExhausted::Stop);
  CHECK(p.file().stages[1].body.on_exhausted == flow::ast::OnExhausted::Ask);
}

TEST_CASE("rules of every form") {
  auto p = parse_text(
      "rule every step reviewed by code-review\n"
      "rule at most 40 calls\n"
      "rule planner writes only \"docs/**\", \"src/**\"\n"
      "rule plan before build\n"
      "rule every before at\n");
  REQUIRE(p.errors() == 0);
  const auto& r = p.file().rules;
  REQUIRE(r.size() == 5);
  using R = flow::ast::RuleDecl::Kind;
  CHECK(r[0].kind == R::EveryStepReviewedBy);
  CHECK(r[0].a.name == "code-review");
  CHECK(r[1].kind == R::AtMostCalls);
  CHECK(r[1].limit.value == 40);
  CHECK(at(r[1].limit.span) == "2:14-2:16");
  CHECK(r[2].kind == R::WritesOnly);
  CHECK(r[2].a.name == "planner");
  REQUIRE(r[2].globs.size() == 2);
  CHECK(r[2].globs[1].value == "src/**");
  CHECK(r[3].kind == R::Before);
  CHECK(r[3].a.name == "plan");
  CHECK(r[3].b.name == "build");
  CHECK(at(r[3].span) == "4:1-4:23");
  // `every` and `at` are not reserved: here they are a stage and a step.
  CHECK(r[4].kind == R::Before);
  CHECK(r[4].a.name == "every");
  CHECK(r[4].b.name == "at");
}

TEST_CASE("budget rules: tokens and dollars") {
  auto p = parse_text(
      "rule at most 500000 tokens\n"
      "rule at most 2.50 dollars\n"
      "rule at most 5 dollars # whole dollars\n");
  REQUIRE(p.errors() == 0);
  const auto& r = p.file().rules;
  REQUIRE(r.size() == 3);
  using R = flow::ast::RuleDecl::Kind;
  CHECK(r[0].kind == R::AtMostTokens);
  CHECK(r[0].limit.value == 500000);
  CHECK(r[1].kind == R::AtMostCost);
  CHECK(r[1].amount == "2.50");
  CHECK(r[2].kind == R::AtMostCost);
  CHECK(r[2].amount == "5");
}

TEST_CASE("names: dashes, underscores, case, and words that are not reserved") {
  auto p = parse_text(
      "agent _a-b_2 < model inherit >\n"
      "agent Text < >\n"
      "stage description text\n"
      "stage agent-x agents_y\n");
  REQUIRE(p.errors() == 0);
  CHECK(p.file().agents[0].name.name == "_a-b_2");
  CHECK(p.file().agents[1].name.name == "Text");
  CHECK(p.file().stages[0].name.name == "description");
  CHECK(p.file().stages[0].body.agent.name == "text");
  CHECK(p.file().stages[1].name.name == "agent-x");
}

TEST_CASE("strings: escapes and unicode") {
  auto p = parse_text(R"(flow f "a\"b\\c\nd\te\rf\u{41}\u{e9}\u{1F600}")");
  REQUIRE(p.errors() == 0);
  CHECK(p.file().flow->description->value == "a\"b\\c\nd\te\rfA\xC3\xA9\xF0\x9F\x98\x80");
}

TEST_CASE("multi-line strings lose their first newline, closing line and indentation") {
  auto p = parse_text(
      "agent a <\n"
      "  prompt \"\"\"\n"
      "    You research one domain.\n"
      "\n"
      "      Compare at most three options.\n"
      "    No \\n escapes here, \"quotes\" are fine.\n"
      "    \"\"\"\n"
      ">\n");
  REQUIRE(p.errors() == 0);
  CHECK(p.file().agents[0].prompt->value ==
        "You research one domain.\n\n  Compare at most three options.\n"
        "No \\n escapes here, \"quotes\" are fine.");
  CHECK(at(p.file().agents[0].prompt->span) == "2:10-7:8");

  auto one_line = parse_text("flow f \"\"\"inline text\"\"\"");
  REQUIRE(one_line.errors() == 0);
  CHECK(one_line.file().flow->description->value == "inline text");
}

TEST_CASE("statements keep their order within each kind") {
  auto p = parse_text("stage b x\nagent z < >\nstage a y\nagent y < >\n");
  REQUIRE(p.errors() == 0);
  REQUIRE(p.file().stages.size() == 2);
  CHECK(p.file().stages[0].name.name == "b");
  CHECK(p.file().stages[1].name.name == "a");
  CHECK(p.file().agents[1].name.name == "y");
}

TEST_CASE("CRLF line ends parse like LF") {
  auto p = parse_text("flow f \"d\"\r\nstage s a\r\n  review b\r\n");
  REQUIRE(p.errors() == 0);
  CHECK(p.file().stages[0].body.gates.size() == 1);
}

TEST_CASE("when conditions: inputs, comparisons and step outcomes, with and without not") {
  auto p = parse_text(
      "stage a when not deep writer\n"
      "stage b when mode == \"fast\" < writer as w2 when mode != \"a \\\"b\\\"\" >\n"
      "stage c when validate passed writer as w3\n"
      "stage d when not validate passed cleanly < writer as w4 >\n"
      "stage e when passed passed writer as w5\n"
      "stage f when not not writer as w6\n");
  REQUIRE(p.errors() == 0);
  using K = flow::ast::Condition::Kind;
  const auto& st = p.file().stages;
  REQUIRE(st.size() == 6);
  CHECK(st[0].when->kind == K::Truth);
  CHECK(st[0].when->negated);
  CHECK(st[0].when->subject.name == "deep");
  CHECK(at(st[0].when->span) == "1:14-1:22");
  CHECK(st[0].body.agent.name == "writer");  // the step after the condition
  CHECK(st[1].when->kind == K::Equals);
  CHECK(st[1].when->value->value == "fast");
  CHECK_FALSE(st[1].when->negated);
  REQUIRE(st[1].body.children.size() == 1);
  CHECK(st[1].body.children[0].when->kind == K::NotEquals);
  CHECK(st[1].body.children[0].when->value->value == "a \"b\"");
  CHECK(st[2].when->kind == K::Passed);
  CHECK(st[2].when->subject.name == "validate");
  CHECK(st[3].when->kind == K::PassedCleanly);
  CHECK(st[3].when->negated);
  CHECK(at(st[3].when->span) == "4:14-4:41");
  // The condition's words are not reserved: a step may be named `passed`, an input `not`.
  CHECK(st[4].when->kind == K::Passed);
  CHECK(st[4].when->subject.name == "passed");
  CHECK(st[5].when->kind == K::Truth);
  CHECK(st[5].when->negated);
  CHECK(st[5].when->subject.name == "not");
}

TEST_CASE("a v1 `when INPUT` still parses as before") {
  auto p = parse_text("stage a when deep writer review critic\n");
  REQUIRE(p.errors() == 0);
  const auto& s = p.file().stages[0];
  CHECK(s.when->kind == flow::ast::Condition::Kind::Truth);
  CHECK_FALSE(s.when->negated);
  CHECK(s.when->subject.name == "deep");
  CHECK(s.body.agent.name == "writer");
  CHECK(s.body.gates.size() == 1);
}

TEST_CASE("over STEP up to N, check verdict and back to NAME") {
  auto p = parse_text(
      "stage s <\n"
      "  researcher over topics up to 5 as research;\n"
      "  tester check verdict check \"make\" back to build retries 1;\n"
      "  up over to;\n"
      ">\n");
  REQUIRE(p.errors() == 0);
  const auto& c = p.file().stages[0].body.children;
  REQUIRE(c.size() == 3);
  REQUIRE(c[0].over);
  CHECK(c[0].over->input->name == "topics");
  REQUIRE(c[0].over->cap);
  CHECK(c[0].over->cap->value == 5);
  CHECK(at(c[0].over->cap->span) == "2:32-2:33");
  CHECK(c[0].as->name == "research");
  REQUIRE(c[1].gates.size() == 2);
  CHECK(c[1].gates[0].kind == flow::ast::Gate::Kind::Verdict);
  CHECK_FALSE(c[1].gates[0].text);
  CHECK(c[1].gates[1].kind == flow::ast::Gate::Kind::Check);
  CHECK(c[1].gates[1].text->value == "make");
  REQUIRE(c[1].back_to);
  CHECK(c[1].back_to->name == "build");
  CHECK(at(c[1].back_to->span) == "3:45-3:50");
  CHECK(c[1].retries->value == 1);
  // `up`, `to`, `back` and `verdict` are not reserved: they still name agents and inputs.
  CHECK(c[2].agent.name == "up");
  REQUIRE(c[2].over);
  CHECK(c[2].over->input->name == "to");
  CHECK_FALSE(c[2].over->cap);
}

#include "compiler/lower.h"

#include <catch2/catch.hpp>

#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "compiler/test_util.h"

using flow::testing::codes;
using flow::testing::compile_text;
using flow::testing::ids;
namespace ir = flow::ir;

namespace {

const char* kLowerAgents = R"(
agent a < description "A"; prompt "a" >
agent b < description "B"; prompt "b" >
agent c < description "C"; prompt "c" >
agent r < description "R"; role reviewer; prompt "r" >
)";

std::unique_ptr<flow::testing::Compiled> lower_ok(const std::string& stages) {
  auto c = compile_text(std::string(kLowerAgents) + stages, /*checks=*/false);
  INFO(codes(c->diags));
  REQUIRE(c->diags.empty());
  return c;
}

}  // namespace

TEST_CASE("a sequence chains its steps and a parallel block fans in") {
  auto c = lower_ok("stage s < a; parallel < b; c >; r >\n");
  const ir::Flow& f = c->lowered.flow;
  REQUIRE(f.nodes.size() == 4);
  CHECK(f.find_node("a")->deps.empty());
  CHECK(f.find_node("b")->deps == ids(f, {"a"}));
  CHECK(f.find_node("c")->deps == ids(f, {"a"}));
  CHECK(f.find_node("r")->deps == ids(f, {"b", "c"}));
  CHECK(f.stage_of(*f.find_node("b")) == "s");
  REQUIRE(c->lowered.parallels.size() == 1);
  CHECK(c->lowered.parallels[0].branches.size() == 2);
}

TEST_CASE("a stage without after waits for the previous stage, after replaces that") {
  auto c = lower_ok(
      "stage one a\n"
      "stage two b\n"
      "stage three after one c\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("b")->deps == ids(f, {"a"}));
  CHECK(f.find_node("c")->deps == ids(f, {"a"}));
  REQUIRE(f.stages.size() == 3);
  CHECK(f.stages[0].after.empty());
  CHECK(f.stages[1].after == std::vector<std::string>{"one"});
  CHECK(f.stages[2].after == std::vector<std::string>{"one"});
}

TEST_CASE("a stage with an empty body passes on what it waited for") {
  auto c = compile_text(std::string(kLowerAgents) + "stage one a\nstage two < >\nstage three b\n",
                        false);
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("b")->deps == ids(f, {"a"}));
}

TEST_CASE("a gate follows the unit's exits, lists every member, and downstream waits for it") {
  auto c = lower_ok("stage s < a; parallel < b; c > > review r retries 3 else continue\nstage t a as again\n");
  const ir::Flow& f = c->lowered.flow;
  const ir::Node* g = f.find_node("s/gate");
  REQUIRE(g);
  CHECK(g->kind() == ir::NodeKind::Gate);
  CHECK(g->gate().target == "s");
  CHECK(g->deps == ids(f, {"b", "c"}));
  CHECK(g->gate().members == ids(f, {"a", "b", "c"}));
  CHECK(g->gate().retries == 3);
  CHECK(g->gate().on_exhausted == ir::OnExhausted::Continue);
  REQUIRE(g->gate().checks.size() == 1);
  CHECK(f.agent_name(g->gate().checks[0].agent) == "r");
  CHECK(f.find_node("again")->deps == ids(f, {"s/gate"}));
}

TEST_CASE("gates on one step become one gate node with the checks in order") {
  auto c = lower_ok("stage s a review r check \"make test\" approve \"ok?\"\n");
  const ir::Node* g = c->lowered.flow.find_node("a/gate");
  REQUIRE(g);
  REQUIRE(g->gate().checks.size() == 3);
  CHECK(g->gate().checks[0].kind == ir::Check::Kind::Review);
  CHECK(g->gate().checks[1].kind == ir::Check::Kind::Command);
  CHECK(g->gate().checks[1].command == "make test");
  CHECK(g->gate().checks[2].kind == ir::Check::Kind::Human);
  CHECK(g->gate().checks[2].question == "ok?");
  CHECK(g->gate().retries == 2);  // the language default
  CHECK(g->gate().on_exhausted == ir::OnExhausted::Stop);
}

TEST_CASE("review each puts one gate on every agent step inside the block") {
  auto c = lower_ok("stage s < a; run \"make\"; parallel < b; c > > review each r retries 1\n");
  const ir::Flow& f = c->lowered.flow;
  for (const char* step : {"a", "b", "c"}) {
    const ir::Node* g = f.find_node(std::string(step) + "/gate");
    REQUIRE(g);
    CHECK(g->gate().members == ids(f, {step}));
    CHECK(g->gate().retries == 1);
  }
  CHECK_FALSE(f.find_node("run/gate"));
  CHECK(f.find_node("run")->deps == ids(f, {"a/gate"}));
  CHECK(f.find_node("b")->deps == ids(f, {"run"}));
  CHECK_FALSE(f.find_node("s/gate"));  // no whole-block gate was asked for
}

TEST_CASE("review each on a fan-out, or on a block holding one, makes a per-item gate") {
  auto own = lower_ok("stage s a over [\"x\", \"y\"] review each r retries 1\n");
  const ir::Node* g = own->lowered.flow.find_node("a/gate");
  REQUIRE(g);
  CHECK(g->gate().per_item);
  CHECK(g->gate().members == ids(own->lowered.flow, {"a"}));
  CHECK(g->gate().retries == 1);

  auto whole = lower_ok("stage s a over [\"x\", \"y\"] review r retries 1\n");
  CHECK_FALSE(whole->lowered.flow.find_node("a/gate")->gate().per_item);  // `review`: the whole
  auto single = lower_ok("stage s a review each r retries 1\n");
  CHECK_FALSE(single->lowered.flow.find_node("a/gate")->gate().per_item);  // nothing to split

  // In a `review each` block: the fan-out's gate is per item, its siblings' are not.
  auto block = lower_ok("stage s parallel < a over [\"x\", \"y\"]; b > review each r retries 2\n");
  const ir::Flow& f = block->lowered.flow;
  CHECK(f.find_node("a/gate")->gate().per_item);
  CHECK_FALSE(f.find_node("b/gate")->gate().per_item);
}

TEST_CASE("on a fan-out, review each comes first and the other gates judge the whole around it") {
  // Written after the whole-fan-out check, inside a block that reviews each step too.
  auto c = lower_ok("stage s < a over [\"x\", \"y\"] check \"true\" review each r retries 1 > "
                    "review each b retries 2\n");
  const ir::Flow& f = c->lowered.flow;
  const ir::Node* own = f.find_node("a/gate");
  const ir::Node* outer = f.find_node("a/gate-2");
  const ir::Node* whole = f.find_node("a/gate-3");
  REQUIRE((own && outer && whole));
  CHECK(own->gate().per_item);
  CHECK(own->gate().retries == 1);
  CHECK(own->gate().members == ids(f, {"a"}));
  CHECK(outer->gate().per_item);
  CHECK(outer->gate().retries == 2);  // the block's settings
  CHECK(outer->gate().members == ids(f, {"a", "a/gate"}));
  CHECK_FALSE(whole->gate().per_item);
  REQUIRE(whole->gate().checks.size() == 1);
  CHECK(whole->gate().checks[0].kind == ir::Check::Kind::Command);
  CHECK(whole->gate().members == ids(f, {"a", "a/gate", "a/gate-2"}));
  std::string error;
  CHECK(ir::validate(f, &error));
  INFO(error);

  auto back = compile_text(std::string(kLowerAgents) +
                               "stage s < a; b over [\"x\"] review each r back to a retries 1 >\n",
                           false);
  REQUIRE(codes(back->diags) == "E0312");
  CHECK(back->diags[0].message == "`back to` has nothing to send back: `review each` on fan-out "
                                  "`b` sends back single items");
}

TEST_CASE("a nested block is named after its stage and position, or by as") {
  auto c = lower_ok("stage s < < a > review r; < b > as second review r; < c > review r >\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("s.1/gate"));
  CHECK(f.find_node("second/gate"));
  CHECK(f.find_node("s.2/gate"));
}

TEST_CASE("when conditions of stage and enclosing steps are copied onto each node") {
  auto c = lower_ok(
      "input deep: bool = false\ninput fast: bool = true\n"
      "stage s when deep < a; b when fast >\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("a")->when == std::vector<std::string>{"deep"});
  CHECK(f.find_node("b")->when == std::vector<std::string>{"deep", "fast"});
}

TEST_CASE("after and uses bind forward references and add edges") {
  auto c = lower_ok("stage s parallel < a after b; b; c uses a >\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("a")->deps == ids(f, {"b"}));
  CHECK(f.find_node("c")->deps == ids(f, {"a"}));
  REQUIRE(c->lowered.ref_edges.size() == 2);
}

TEST_CASE("fan-outs keep their items or their input") {
  auto c = lower_ok(
      "input areas: list = [\"x\", \"y\"]\n"
      "stage s < a over [\"p\", \"q\", \"r\"]; b over areas; c \"focus\" >\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("a")->agent_call().fanout == std::vector<std::string>{"p", "q", "r"});
  CHECK(f.find_node("b")->agent_call().fanout_input == "areas");
  CHECK(f.find_node("c")->agent_call().focus == "focus");
}

TEST_CASE("commands and approvals become nodes of their kind") {
  auto c = lower_ok("stage s < run \"make test\" as test; approve \"Ship it?\" >\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.find_node("test")->kind() == ir::NodeKind::Command);
  CHECK(f.find_node("test")->command_run().command == "make test");
  CHECK(f.find_node("approve")->kind() == ir::NodeKind::Human);
  CHECK(f.find_node("approve")->approval().question == "Ship it?");
}

TEST_CASE("names that do not bind are reported with a suggestion") {
  auto c = compile_text(std::string(kLowerAgents) +
                            "input flag: text\n"
                            "stage s < bb; a after nowhere; c when flag; b over missing >\n"
                            "stage t after ss a as a2 review rr\n",
                        false);
  CHECK(codes(c->diags) == "E0101 E0107 E0104 E0300 E0103 E0102");
  const flow::Diagnostic* d = flow::testing::find_code(c->diags, "E0101");
  REQUIRE(d);
  CHECK(d->message == "agent `bb` is not declared");
  CHECK(d->help == "did you mean `b`?");
  CHECK(flow::testing::find_code(c->diags, "E0102")->help == "did you mean `s`?");
}

TEST_CASE("duplicate names are reported where the second one is") {
  auto c = compile_text(std::string(kLowerAgents) +
                            "agent a < description \"again\" >\n"
                            "input x: text\ninput x: bool\n"
                            "stage s < a; a >\nstage s b\n",
                        false);
  CHECK(codes(c->diags) == "E0105 E0105 E0105 E0105");
  CHECK(c->diags[0].message == "agent `a` is declared twice");
  CHECK(c->diags[1].message == "input `x` is declared twice");
  CHECK(c->diags[2].message == "stage `s` is declared twice");
  CHECK(c->diags[3].message == "two steps are named `a`");
}

TEST_CASE("a step may share its stage's name but not another stage's") {
  auto ok = compile_text(std::string(kLowerAgents) + "stage a a\n", false);
  CHECK(codes(ok->diags) == "");
  auto bad = compile_text(std::string(kLowerAgents) + "stage a b\nstage b a\n", false);
  CHECK(codes(bad->diags) == "E0105 E0105");
}

TEST_CASE("the IR carries inputs, agents, rules and source locations") {
  auto c = lower_ok(
      "input n: number = 3 \"how many\"\n"
      "stage s a\n"
      "rule a before s\n");
  const ir::Flow& f = c->lowered.flow;
  CHECK(f.name == "test");  // no `flow` header: the file's name
  REQUIRE(f.inputs.size() == 1);
  CHECK(f.inputs[0].default_value == "3");
  CHECK(f.inputs[0].description == "how many");
  CHECK(f.agents.size() == 4);
  CHECK(f.agents[3].role == "reviewer");
  REQUIRE(f.rules.size() == 1);
  CHECK(f.rules[0].kind == ir::Rule::Kind::Before);
  CHECK(f.rules[0].loc.line == 8);
  CHECK(f.file_of(f.find_node("a")->loc) == "test.flow");
  CHECK(f.find_node("a")->loc.line == 7);
  CHECK(f.find_node("a")->loc.col == 9);
}

TEST_CASE("locations name their file by an index into the flow's table of files") {
  auto c = lower_ok("stage s < a review r >\n");
  const ir::Flow& f = c->lowered.flow;
  const ir::Node* a = f.find_node("a");
  const ir::Node* gate = f.find_node("a/gate");
  REQUIRE(a);
  REQUIRE(gate);
  REQUIRE(gate->gate().checks.size() == 1);
  CHECK(f.file_of(a->loc) == "test.flow");
  CHECK(a->loc.file != 0);
  CHECK(a->loc.file == gate->loc.file);
  CHECK(a->loc.file == gate->gate().checks[0].loc.file);
  CHECK(a->loc.file == f.stages[0].loc.file);
  CHECK(f.file_of(ir::Loc{}).empty());
  // The JSON form keeps the path in each location; reading it back interns them again.
  ir::ReadResult back = ir::from_json_text(ir::to_json_text(f));
  REQUIRE(back.ok);
  const ir::Node* a2 = back.flow.find_node("a");
  CHECK(back.flow.file_of(a2->loc) == "test.flow");
  CHECK(back.flow.files.size() == 2);
}

TEST_CASE("a fan-out over a step's answer names the step, keeps its cap and waits for its gate") {
  auto c = lower_ok("stage s < a review r retries 1; b over a up to 4 >\n");
  const ir::Flow& f = c->lowered.flow;
  const ir::Node* b = f.find_node("b");
  REQUIRE(b);
  CHECK(f.node_name(b->fanout_step()) == "a");
  CHECK(b->agent_call().fanout_cap == 4);
  CHECK(b->is_fanout());
  CHECK(b->deps == ids(f, {"a/gate"}));
}

TEST_CASE("back to makes a gate's members everything from the target to the gate") {
  auto c = lower_ok("stage s < a; parallel < b review r; c > as mid; < a as v > check verdict "
                    "back to mid retries 1 as judge >\n");
  const ir::Flow& f = c->lowered.flow;
  const ir::Node* g = f.find_node("judge/gate");
  REQUIRE(g);
  CHECK(g->gate().back_to == "mid");
  CHECK(g->gate().members == ids(f, {"b", "b/gate", "c", "v"}));
  REQUIRE(g->gate().checks.size() == 1);
  CHECK(g->gate().checks[0].kind == ir::Check::Kind::Verdict);
  CHECK(f.node_name(g->gate().checks[0].step) == "v");
}

TEST_CASE("back to a step beside the gated one, or a user that does not wait, is refused") {
  auto beside = compile_text(std::string(kLowerAgents) +
                                 "stage s parallel < a; b check verdict back to a >\n",
                             /*checks=*/false);
  CHECK(codes(beside->diags) == "E0310");
  auto user = compile_text(std::string(kLowerAgents) +
                               "stage s < a; parallel < b check verdict back to a; c > >\n",
                           /*checks=*/false);
  CHECK(codes(user->diags) == "E0311");
}

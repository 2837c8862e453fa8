#include "ir/ir_validate.h"

#include <filesystem>
#include <functional>

#include <catch2/catch.hpp>

#include "compiler/compile.h"
#include "ir/ir_json.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A small flow that is valid: a gated plan, a command, an approval, all in stage `main`.
json base() {
  return json::parse(R"({
    "version": 3, "name": "t", "description": "", "source": "",
    "inputs": [{"name": "feature", "type": "text"},
               {"name": "go", "type": "bool", "default": true},
               {"name": "items", "type": "list", "default": []}],
    "agents": [{"name": "planner", "role": "worker"}, {"name": "critic", "role": "reviewer"}],
    "stages": [{"name": "main", "nodes": [0, 1, 2, 3], "after": []}],
    "nodes": [
      {"id": 0, "name": "plan", "kind": "agent", "stage": "main", "deps": [], "agent": "planner"},
      {"id": 1, "name": "plan/gate", "kind": "gate", "stage": "main", "deps": [0],
       "target": "plan", "members": [0], "checks": [{"kind": "review", "agent": "critic"}],
       "retries": 2, "on_exhausted": "stop"},
      {"id": 2, "name": "build", "kind": "command", "stage": "main", "deps": [1], "command": "make"},
      {"id": 3, "name": "ship", "kind": "human", "stage": "main", "deps": [2]}
    ],
    "rules": []})");
}

// The error for the base flow changed by `edit`: "" when it is valid, "read: ..." when the
// reader already refuses it.
std::string problem(const std::function<void(json&)>& edit) {
  json j = base();
  edit(j);
  flow::ir::ReadResult r = flow::ir::from_json_text(j.dump());
  if (!r.ok) return "read: " + r.error;
  std::string error;
  if (flow::ir::validate(r.flow, &error)) return "";
  return error;
}

}  // namespace

TEST_CASE("the base IR of these tests is valid") { CHECK(problem([](json&) {}) == ""); }

TEST_CASE("agents and reviewers must be declared") {
  CHECK(problem([](json& j) { j["nodes"][0]["agent"] = "ghost"; }) ==
        "/nodes/0/agent: agent `ghost` is not declared in /agents");
  CHECK(problem([](json& j) { j["nodes"][0]["agent"] = ""; }) ==
        "/nodes/0/agent: agent `` is not declared in /agents");
  CHECK(problem([](json& j) { j["nodes"][1]["checks"][0]["agent"] = "nobody"; }) ==
        "/nodes/1/checks/0/agent: reviewer `nobody` is not declared in /agents");
}

TEST_CASE("names are unique and not empty") {
  CHECK(problem([](json& j) { j["nodes"][2]["name"] = "plan"; }) ==
        "/nodes/2/name: a node `plan` is already declared at /nodes/0");
  CHECK(problem([](json& j) { j["nodes"][3]["name"] = ""; }) ==
        "/nodes/3/name: a node has an empty name");
  CHECK(problem([](json& j) { j["agents"][1]["name"] = "planner"; }) ==
        "/agents/1/name: an agent `planner` is already declared at /agents/0");
  CHECK(problem([](json& j) { j["inputs"][2]["name"] = "go"; }) ==
        "/inputs/2/name: an input `go` is already declared at /inputs/1");
  CHECK(problem([](json& j) { j["stages"].push_back({{"name", "main"}, {"nodes", json::array()}}); }) ==
        "/stages/1/name: a stage `main` is already declared at /stages/0");
}

TEST_CASE("agents have a known role and inputs a default of their type") {
  CHECK(problem([](json& j) { j["agents"][0]["role"] = "boss"; }) ==
        "/agents/0/role: unknown role `boss` (expected worker, coordinator or reviewer)");
  CHECK(problem([](json& j) { j["inputs"][1]["default"] = "yes"; }) ==
        "/inputs/1/default: does not match the input's type `bool`");
  CHECK(problem([](json& j) { j["inputs"][2]["default"] = json::array({1}); }) ==
        "/inputs/2/default: does not match the input's type `list`");
}

TEST_CASE("ids match indexes, deps are in range, sorted, unique and acyclic") {
  CHECK(problem([](json& j) { j["nodes"][2]["id"] = 7; }) ==
        "read: /nodes/2/id: expected 2 (ids are array indices)");
  CHECK(problem([](json& j) { j["nodes"][2]["deps"] = {9}; }) ==
        "read: /nodes/2/deps: 9 is not a node id");
  CHECK(problem([](json& j) { j["nodes"][3]["deps"] = {2, 0}; }) ==
        "/nodes/3/deps: must be sorted, without duplicates");
  CHECK(problem([](json& j) { j["nodes"][3]["deps"] = {2, 2}; }) ==
        "/nodes/3/deps: must be sorted, without duplicates");
  CHECK(problem([](json& j) { j["nodes"][0]["deps"] = {3}; }) ==
        "/nodes/0/deps: node `plan` is part of a dependency cycle (or waits for one)");
}

TEST_CASE("gates have checks, valid members and a name that matches their target") {
  CHECK(problem([](json& j) { j["nodes"][1]["checks"] = json::array(); }) ==
        "/nodes/1/checks: a gate needs at least one check");
  CHECK(problem([](json& j) { j["nodes"][1]["members"] = json::array(); }) ==
        "/nodes/1/members: must list the gated nodes, sorted, without duplicates");
  CHECK(problem([](json& j) { j["nodes"][1]["members"] = {0, 1}; }) ==
        "/nodes/1/members: a gate cannot be its own member");
  CHECK(problem([](json& j) { j["nodes"][1]["members"] = {5}; }) ==
        "read: /nodes/1/members: 5 is not a node id");
  CHECK(problem([](json& j) { j["nodes"][1]["target"] = "build"; }) ==
        "/nodes/1/name: a gate of target `build` is named `build/gate` (or `build/gate-N`), "
        "not `plan/gate`");
  CHECK(problem([](json& j) { j["nodes"][1]["name"] = "plan/gate-2"; }) == "");
  CHECK(problem([](json& j) {
          j["nodes"][1]["members"] = {2};
          j["nodes"][2]["deps"] = json::array();
        }) == "/nodes/1/deps: node 0 (`plan`) is not a member of the gate (a gate depends on "
              "the exits of what it guards)");
  CHECK(problem([](json& j) { j["nodes"][1]["checks"][0] = {{"kind", "command"}, {"command", ""}}; }) ==
        "/nodes/1/checks/0/command: a command check needs a command");
}

TEST_CASE("a per-item gate guards one fan-out with review checks, and such gates nest") {
  auto per_item = [](json& j) {
    j["nodes"][0]["fanout"] = {"a", "b"};
    j["nodes"][1]["per_item"] = true;
  };
  CHECK(problem(per_item) == "");
  CHECK(problem([&](json& j) {
          per_item(j);
          j["nodes"][1]["per_item"] = "yes";
        }) == "read: /nodes/1/per_item: expected true or false");
  CHECK(problem([](json& j) { j["nodes"][1]["per_item"] = true; }) ==
        "/nodes/1/members: a per-item gate guards exactly one agent node, a fan-out");
  CHECK(problem([&](json& j) {
          per_item(j);
          j["nodes"][1]["checks"].push_back({{"kind", "command"}, {"command", "make"}});
        }) == "/nodes/1/checks/1: a per-item gate has only review checks");
  CHECK(problem([&](json& j) {
          per_item(j);
          j["nodes"][1]["back_to"] = "plan";
        }) == "/nodes/1/back_to: a per-item gate sends back single items, not work from `plan` on");
  CHECK(problem([&](json& j) {  // a command inside the gate
          per_item(j);
          j["nodes"][2]["deps"] = json::array();
          j["nodes"][1]["members"] = {0, 2};
        }) == "/nodes/1/members: a per-item gate guards its fan-out and the per-item gates over "
              "it, not `build`");
  // Two per-item gates over `plan`: nested, or refused.
  auto second = [&](json& j, json members) {
    per_item(j);
    json g = j["nodes"][1];
    g["id"] = 4;
    g["name"] = "plan/gate-2";
    g["members"] = members;
    g["deps"] = {1};
    j["nodes"].push_back(g);
    j["stages"][0]["nodes"].push_back(4);
  };
  CHECK(problem([&](json& j) { second(j, {0, 1}); }) == "");
  CHECK(problem([&](json& j) {
          second(j, {0, 1});
          j["nodes"][4]["deps"] = {0};
          j["nodes"][4]["members"] = {0};
        }) == "/nodes/4/members: the per-item gates over `plan` must nest, but `plan/gate` is not "
              "inside this one");
}

TEST_CASE("command nodes have a command, when and fan-out name inputs of the right type") {
  CHECK(problem([](json& j) { j["nodes"][2]["command"] = ""; }) ==
        "/nodes/2/command: a command node needs a command");
  CHECK(problem([](json& j) { j["nodes"][2]["when"] = {"nope"}; }) ==
        "/nodes/2/when/0: input `nope` is not declared in /inputs");
  CHECK(problem([](json& j) { j["nodes"][2]["when"] = {"go", "feature"}; }) ==
        "/nodes/2/when/1: input `feature` is a text, not a bool");
  CHECK(problem([](json& j) { j["nodes"][0]["fanout_input"] = "feature"; }) ==
        "/nodes/0/fanout_input: input `feature` is a text, not a list");
  CHECK(problem([](json& j) { j["nodes"][0]["fanout_input"] = "missing"; }) ==
        "/nodes/0/fanout_input: input `missing` is not declared in /inputs");
  CHECK(problem([](json& j) {
          j["nodes"][0]["fanout_input"] = "items";
          j["nodes"][0]["fanout"] = {"a"};
        }) == "/nodes/0: has both `fanout` and `fanout_input`; a fan-out has one source");
  CHECK(problem([](json& j) { j["nodes"][0]["fanout_input"] = "items"; }) == "");
}

TEST_CASE("stage membership is consistent both ways") {
  CHECK(problem([](json& j) { j["nodes"][3]["stage"] = "other"; }) ==
        "/stages/0/nodes/3: node 3 (`ship`) says it is in stage `other`, not `main`");
  CHECK(problem([](json& j) { j["stages"][0]["nodes"] = {0, 1, 2}; }) ==
        "/nodes/3/stage: node `ship` is not listed in the nodes of stage `main`");
  CHECK(problem([](json& j) {
          j["stages"][0]["nodes"] = {0, 1, 2};
          j["nodes"][3]["stage"] = "late";
        }) == "/nodes/3/stage: node `ship` is not listed in the nodes of any stage (`late` is not "
              "declared)");
  CHECK(problem([](json& j) { j["stages"][0]["nodes"] = {0, 1, 2, 3, 3}; }) ==
        "/stages/0/nodes/4: node 3 is already listed in /stages/0");
  CHECK(problem([](json& j) { j["stages"][0]["after"] = {"before"}; }) ==
        "/stages/0/after/0: stage `before` is not declared in /stages");
  // Without stages (hand-written IR) the node's stage is only a label.
  CHECK(problem([](json& j) { j["stages"] = json::array(); }) == "");
}

TEST_CASE("rules name declared agents") {
  CHECK(problem([](json& j) {
          j["rules"] = {{{"kind", "every-step-reviewed-by"}, {"a", "ghost"}}};
        }) == "/rules/0/a: agent `ghost` is not declared in /agents");
  CHECK(problem([](json& j) { j["rules"] = {{{"kind", "before"}, {"a", "plan"}}}; }) ==
        "/rules/0: a `before` rule names two steps or stages in `a` and `b`");
  CHECK(problem([](json& j) { j["rules"] = {{{"kind", "at-most-calls"}, {"limit", -1}}}; }) ==
        "/rules/0/limit: must not be negative");
  CHECK(problem([](json& j) { j["rules"] = {{{"kind", "at-most-tokens"}, {"limit", -5}}}; }) ==
        "/rules/0/limit: must not be negative");
  CHECK(problem([](json& j) { j["rules"] = {{{"kind", "at-most-cost"}, {"limit_usd", -0.5}}}; }) ==
        "/rules/0/limit_usd: must be a finite number of dollars, not negative");
  CHECK(problem([](json& j) { j["rules"] = {{{"kind", "at-most-cost"}, {"limit_usd", "2"}}}; }) ==
        "read: /rules/0/limit_usd: expected a number");
}

TEST_CASE("every IR the compiler emits for the examples and the stdlib is valid") {
  flow::CompileOptions options;
  options.stdlib_dir = (fs::path(FLOW_SOURCE_DIR) / "stdlib").string();
  int compiled = 0;
  for (const char* dir : {"examples", "stdlib"})
    for (const auto& entry : fs::directory_iterator(fs::path(FLOW_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".flow") continue;
      INFO(entry.path().string());
      flow::CompileResult r = flow::compile_file(entry.path().string(), options);
      REQUIRE(r.flow);
      std::string error;
      CHECK(flow::ir::validate(*r.flow, &error));
      CHECK(error == "");
      // And as the runtime sees it: written, read back, validated.
      flow::ir::ReadResult back = flow::ir::from_json_text(flow::ir::to_json_text(*r.flow));
      REQUIRE(back.ok);
      CHECK(flow::ir::validate(back.flow, &error));
      ++compiled;
    }
  CHECK(compiled >= 10);
}

TEST_CASE("conditions name inputs of the right type, or a step by its nodes") {
  auto cond = [](json c) {
    return [c](json& j) { j["nodes"][2]["conditions"] = json::array({c}); };
  };
  CHECK(problem(cond({{"kind", "input"}, {"name", "go"}, {"not", true}})) == "");
  CHECK(problem(cond({{"kind", "equals"}, {"name", "feature"}, {"value", "x"}})) == "");
  CHECK(problem(cond({{"kind", "passed-cleanly"}, {"name", "plan"}, {"nodes", {0, 1}}})) == "");
  CHECK(problem(cond({{"kind", "input"}, {"name", "feature"}})) ==
        "/nodes/2/conditions/0/name: input `feature` is a text, not a bool");
  CHECK(problem(cond({{"kind", "equals"}, {"name", "go"}, {"value", "x"}})) ==
        "/nodes/2/conditions/0/name: input `go` is a bool, not a text");
  CHECK(problem(cond({{"kind", "equals"}, {"name", "feature"}})) ==
        "read: /nodes/2/conditions/0: missing field \"value\"");
  CHECK(problem(cond({{"kind", "passed"}, {"name", "plan"}, {"nodes", json::array()}})) == "");
  CHECK(problem(cond({{"kind", "passed"}, {"name", "plan"}, {"nodes", {0, 0}}})) ==
        "/nodes/2/conditions/0/nodes: must list the step's nodes, sorted, without duplicates");
  CHECK(problem(cond({{"kind", "passed"}, {"name", "plan"}, {"nodes", {1, 0}}})) ==
        "/nodes/2/conditions/0/nodes: must list the step's nodes, sorted, without duplicates");
  CHECK(problem(cond({{"kind", "passed"}, {"name", "plan"}, {"nodes", {9}}})) ==
        "read: /nodes/2/conditions/0/nodes: 9 is not a node id");
  CHECK(problem(cond({{"kind", "maybe"}, {"name", "plan"}})) ==
        "read: /nodes/2/conditions/0/kind: unknown value \"maybe\"");
  CHECK(problem(cond({{"kind", "input"}, {"name", "go"}, {"not", "yes"}})) ==
        "read: /nodes/2/conditions/0/not: expected true or false");
}

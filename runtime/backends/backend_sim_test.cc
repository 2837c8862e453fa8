#include <catch2/catch.hpp>
#include <chrono>

#include "runtime/backends/backend.h"
#include "runtime/engine/verdict.h"

using namespace flow::rt;

namespace {

AgentRequest req(const std::string& step, const std::string& agent, bool review = false,
                 int attempt = 1) {
  AgentRequest r;
  r.step = step;
  r.agent = agent;
  r.review = review;
  r.attempt = attempt;
  r.target = review ? step.substr(0, step.find('/')) : "";
  return r;
}

}  // namespace

TEST_CASE("sim output says it is simulated and is deterministic for a seed") {
  SimOptions o;
  o.seed = 42;
  Cancel cancel;
  auto a = make_sim_backend(o)->call(req("plan", "backend-planner"), &cancel);
  auto b = make_sim_backend(o)->call(req("plan", "backend-planner"), &cancel);
  CHECK(a.ok);
  CHECK(a.output.rfind("(simulated agent)\n", 0) == 0);
  CHECK(a.output == b.output);
  CHECK(a.output.find("## Plan") != std::string::npos);
  SimOptions other = o;
  other.seed = 43;
  bool differs = false;
  for (const char* step : {"plan", "plan2", "plan3"})
    differs = differs || make_sim_backend(o)->call(req(step, "backend-planner"), &cancel).output !=
                             make_sim_backend(other)->call(req(step, "backend-planner"), &cancel).output;
  CHECK(differs);
}

TEST_CASE("sim writes per role") {
  Cancel cancel;
  auto sim = make_sim_backend({});
  CHECK(sim->call(req("r", "tech-research"), &cancel).output.find("## Findings") != std::string::npos);
  CHECK(sim->call(req("i", "implementer"), &cancel).output.find("## Files changed") != std::string::npos);
  CHECK(sim->simulated());
}

TEST_CASE("sim reviewers pass unless told to fail the first N attempts") {
  SimOptions o;
  o.fail_review.push_back({"plan", 2});
  auto sim = make_sim_backend(o);
  Cancel cancel;
  CHECK_FALSE(parse_verdict(sim->call(req("plan/gate", "critic", true, 1), &cancel).output).pass);
  CHECK_FALSE(parse_verdict(sim->call(req("plan/gate", "critic", true, 2), &cancel).output).pass);
  CHECK(parse_verdict(sim->call(req("plan/gate", "critic", true, 3), &cancel).output).pass);
  CHECK(parse_verdict(sim->call(req("other/gate", "critic", true, 1), &cancel).output).pass);
}

TEST_CASE("sim fails a named step and honours latency") {
  SimOptions o;
  o.fail_step = {"build"};
  o.latency_min_ms = o.latency_max_ms = 50;
  auto sim = make_sim_backend(o);
  Cancel cancel;
  auto t0 = std::chrono::steady_clock::now();
  AgentResult r = sim->call(req("build", "implementer"), &cancel);
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(50));
  CHECK_FALSE(r.ok);
  CHECK(r.error == "simulated failure of step build (--sim-fail-step)");
}

TEST_CASE("sim option parsing") {
  int lo = 0, hi = 0;
  CHECK(parse_sim_latency("100", &lo, &hi));
  CHECK((lo == 100 && hi == 100));
  CHECK(parse_sim_latency("5-20", &lo, &hi));
  CHECK((lo == 5 && hi == 20));
  CHECK_FALSE(parse_sim_latency("20-5", &lo, &hi));
  CHECK_FALSE(parse_sim_latency("fast", &lo, &hi));
  SimFailReview f;
  CHECK(parse_sim_fail_review("plan:3", &f));
  CHECK((f.step == "plan" && f.times == 3));
  CHECK(parse_sim_fail_review("plan", &f));
  CHECK(f.times == 1);
  CHECK_FALSE(parse_sim_fail_review("plan:x", &f));
  CHECK(parse_sim_fail_review("research[2]:1", &f));
  CHECK((f.step == "research[2]" && f.times == 1));
  CHECK((sim_target(f.step).name == "research" && sim_target(f.step).item == 2));
  CHECK(sim_target("research").item == 0);
  CHECK_FALSE(parse_sim_fail_review("research[0]", &f));
  CHECK_FALSE(parse_sim_fail_review("research[x]:1", &f));
  CHECK_FALSE(parse_sim_fail_review("research[2", &f));
  CHECK_FALSE(parse_sim_fail_review("[2]", &f));
}

TEST_CASE("the sim fails only the reviews of the item that a step name selects, per item") {
  SimOptions o;
  o.fail_review.push_back({"research[2]", 1});
  Cancel cancel;
  AgentRequest r = req("research/gate", "critic");
  r.review = true;
  r.target = "research";
  r.item_review = true;
  r.index = 1;  // item 2
  CHECK_FALSE(parse_verdict(make_sim_backend(o)->call(r, &cancel).output).pass);
  r.attempt = 2;  // its second evaluation
  CHECK(parse_verdict(make_sim_backend(o)->call(r, &cancel).output).pass);
  r.attempt = 1;
  r.index = 0;  // item 1
  CHECK(parse_verdict(make_sim_backend(o)->call(r, &cancel).output).pass);
  r.item_review = false;  // a review of the whole work is not an item's
  r.index = 1;
  CHECK(parse_verdict(make_sim_backend(o)->call(r, &cancel).output).pass);
}

TEST_CASE("a sim step that a fan-out reads chooses items: two by default, K with --sim-items") {
  SimOptions o;
  Cancel cancel;
  AgentRequest r = req("topics", "planner");
  CHECK(make_sim_backend(o)->call(r, &cancel).output.find("ITEM:") == std::string::npos);
  r.item_cap = 5;
  std::string two = make_sim_backend(o)->call(r, &cancel).output;
  CHECK(two.find("ITEM: authentication\nITEM: data storage\n") != std::string::npos);
  CHECK(two.find("ITEM: API design") == std::string::npos);
  o.items.push_back({"topics", 7});
  std::string seven = make_sim_backend(o)->call(r, &cancel).output;
  CHECK(seven.find("ITEM: deployment\nITEM: topic 7\n") != std::string::npos);
}

TEST_CASE("a sim step judged by its own verdict fails as --sim-fail-review says, then passes") {
  SimOptions o;
  o.fail_review.push_back({"validation", 1});
  Cancel cancel;
  AgentRequest r = req("validator", "validator");
  r.verdict_gate = "validation/gate";
  r.target = "validation";
  Verdict first = parse_verdict(make_sim_backend(o)->call(r, &cancel).output);
  CHECK(first.found);
  CHECK_FALSE(first.pass);
  CHECK(first.feedback.find("acceptance checks fail") != std::string::npos);
  r.attempt = 2;
  CHECK(parse_verdict(make_sim_backend(o)->call(r, &cancel).output).pass);
  r.verdict_gate.clear();
  r.attempt = 1;
  CHECK_FALSE(parse_verdict(make_sim_backend(o)->call(r, &cancel).output).found);
}

namespace {

// The files listed under "## Files changed" in a sim answer, in order.
std::vector<std::string> sim_changed_files(const std::string& output) {
  std::vector<std::string> files;
  size_t at = output.find("## Files changed\n\n");
  if (at == std::string::npos) return files;
  for (size_t pos = at + 18; output.compare(pos, 3, "- `") == 0;) {
    size_t end = output.find('`', pos + 3);
    if (end == std::string::npos) break;
    files.push_back(output.substr(pos + 3, end - pos - 3));
    pos = output.find('\n', end) + 1;
  }
  return files;
}

}  // namespace

TEST_CASE("a read-only sim agent changes no file, a writer lists each changed file once") {
  Cancel cancel;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SimOptions o;
    o.seed = seed;
    auto sim = make_sim_backend(o);
    AgentRequest reader = req("look", "backend-new-functionality-agent");
    reader.tools = std::vector<std::string>{"Read", "Grep", "Glob"};
    std::string read_only = sim->call(reader, &cancel).output;
    INFO(read_only);
    CHECK(read_only.find("Files changed") == std::string::npos);
    CHECK(read_only.find("src/") == std::string::npos);

    AgentRequest writer = req("build", "backend-feature-implementer");
    writer.tools = std::vector<std::string>{"Read", "Edit"};
    std::vector<std::string> files = sim_changed_files(sim->call(writer, &cancel).output);
    REQUIRE(files.size() == 2);
    CHECK(files[0] != files[1]);
    AgentRequest every_tool = req("build", "backend-feature-implementer");  // no `tools`: all
    CHECK(sim_changed_files(sim->call(every_tool, &cancel).output).size() == 2);
  }
}

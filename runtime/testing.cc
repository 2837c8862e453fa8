#include "runtime/testing.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "runtime/engine/pool.h"
#include "runtime/backends/router.h"
#include "runtime/store/run_store.h"
#include "runtime/engine/scheduler.h"
#include "runtime/terminal/status.h"

namespace flow::rt::testing {

std::vector<uint32_t> drain(Plan& p) {
  std::vector<uint32_t> out;
  Task t;
  while (p.pop_ready(&t)) out.push_back(t.node);
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "flow-test-XXXXXX").string();
  path = mkdtemp(tmpl.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

uint32_t FlowBuilder::declare(const std::string& name, const std::string& role) {
  if (const ir::Agent* known = flow.find_agent(name))
    return static_cast<uint32_t>(known - flow.agents.data());
  ir::Agent a;
  a.name = name;
  a.role = role;
  a.prompt = "You are " + name + ".";
  flow.agents.push_back(a);
  return static_cast<uint32_t>(flow.agents.size() - 1);
}

uint32_t FlowBuilder::add(ir::Node node) {
  node.id = static_cast<uint32_t>(flow.nodes.size());
  if (node.stage == ir::kNoId) {  // stage `main`, a label only: the flow declares no stages
    if (flow.stages.empty()) {
      ir::Stage& main = flow.stages.emplace_back();
      main.name = "main";
      main.declared = false;
    }
    node.stage = 0;
  }
  std::sort(node.deps.begin(), node.deps.end());
  flow.nodes.push_back(node);
  return node.id;
}

uint32_t FlowBuilder::agent(const std::string& name, std::vector<uint32_t> deps,
                            const std::string& agent_name) {
  ir::Node n;
  n.name = name;
  n.set_kind(ir::NodeKind::Agent);
  n.agent_call().agent = declare(agent_name.empty() ? name : agent_name);
  n.deps = std::move(deps);
  return add(n);
}

uint32_t FlowBuilder::command(const std::string& name, const std::string& cmd,
                              std::vector<uint32_t> deps) {
  ir::Node n;
  n.name = name;
  n.set_kind(ir::NodeKind::Command);
  n.command_run().command = cmd;
  n.deps = std::move(deps);
  return add(n);
}

uint32_t FlowBuilder::human(const std::string& name, std::vector<uint32_t> deps) {
  ir::Node n;
  n.name = name;
  n.set_kind(ir::NodeKind::Human);
  n.approval().question = "Is it fine?";
  n.deps = std::move(deps);
  return add(n);
}

uint32_t FlowBuilder::review_gate(uint32_t target, std::vector<uint32_t> members,
                                  const std::string& reviewer, int retries, ir::OnExhausted on) {
  ir::Node g;
  g.name = flow.nodes[target].name + "/gate";
  g.set_kind(ir::NodeKind::Gate);
  g.gate().target = flow.nodes[target].name;
  g.deps = {target};
  g.gate().members = std::move(members);
  ir::Check c;
  c.kind = ir::Check::Kind::Review;
  c.agent = declare(reviewer, "reviewer");
  g.gate().checks.push_back(c);
  g.gate().retries = retries;
  g.gate().on_exhausted = on;
  return add(g);
}

AgentResult FakeBackend::call(const AgentRequest& request, Cancel* cancel) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    calls_.push_back(request);
    max_ = std::max(max_, ++current_);
    agent_max_[request.agent] = std::max(agent_max_[request.agent], ++agent_now_[request.agent]);
    gathered_.notify_all();
    if (auto g = gather.find(request.agent); g != gather.end())
      gathered_.wait_for(lock, std::chrono::seconds(10),
                         [&] { return agent_max_[request.agent] >= g->second; });
    if (gather_any > 0)
      gathered_.wait_for(lock, std::chrono::seconds(10), [&] { return max_ >= gather_any; });
  }
  if (delay_ms > 0) cancel->sleep_for(delay_ms);
  AgentResult r;
  if (reply) {
    r = reply(request);
  } else {
    r.ok = true;
    r.output = request.review ? "fine\nVERDICT: PASS\n" : "out:" + request.step;
  }
  std::lock_guard<std::mutex> lock(mu_);
  --current_;
  --agent_now_[request.agent];
  return r;
}

std::vector<AgentRequest> FakeBackend::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

std::vector<std::string> FakeBackend::steps_called() const {
  std::vector<std::string> out;
  for (const AgentRequest& r : calls()) out.push_back(r.step);
  return out;
}

std::map<std::string, int> FakeBackend::max_concurrent_by_agent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return agent_max_;
}

namespace {

// Keeps the scheduler's events quiet in test output.
class NullStatus : public Status {
 public:
  void message(const std::string&) override {}
  void event(const Event&) override {}
};

// The router owns its backends; this one forwards to the test's fake, which outlives it.
class Forward : public Backend {
 public:
  explicit Forward(FakeBackend& f) : f_(f) {}
  std::string name() const override { return "fake"; }
  AgentResult call(const AgentRequest& r, Cancel* c) override { return f_.call(r, c); }

 private:
  FakeBackend& f_;
};

}  // namespace

RunOutcome run_with_fake(const ir::Flow& flow, FakeBackend& fake, const std::string& dir,
                         const RunSetup& setup, const std::vector<nlohmann::json>* resume_events) {
  RunOutcome out;
  out.dir = dir;
  std::string err;
  make_dirs(dir + "/steps", &err);
  Plan plan(flow, setup.inputs);
  if (!plan.error().empty()) {
    out.report = plan.error();
    return out;
  }
  Router router;
  router.forced = "fake";
  router.backends["fake"] = std::make_unique<Forward>(fake);
  Pools pools;
  for (const auto& [name, depth] : setup.pools) {
    pools.add(name, depth);
    router.config.pools.emplace_back(name, depth);
  }
  for (const auto& [agent, pool] : setup.agent_pools) router.config.agents[agent].pool = pool;
  EventLog log;
  int64_t next_seq = resume_events ? static_cast<int64_t>(resume_events->size()) + 1 : 1;
  log.open(dir + "/events.jsonl", next_seq, &err);
  NullStatus status;
  Cancel cancel;
  RunEnv env;
  env.inputs = setup.inputs;
  env.run_id = "test-run";
  env.run_dir = dir;
  env.jobs = setup.jobs;
  env.yes = setup.yes;
  env.resumed = resume_events != nullptr;
  env.limits = setup.limits;
  // The tests write the events they resume from as JSON: read as events.jsonl's lines are.
  std::vector<Event> resumed;
  if (resume_events)
    for (const nlohmann::json& e : *resume_events) resumed.push_back(event_from_json(e));
  if (resume_events) env.spent = spent_from_events(resumed);
  {
    Scheduler s(env, plan, log, status, router, pools, cancel);
    if (resume_events && !s.restore(resumed, &err)) {
      out.exit_code = kExitUsage;
      out.report = err;
      return out;
    }
    out.exit_code = s.run();
    out.report = s.report();
  }
  out.events = read_events(dir + "/events.jsonl").events;
  return out;
}

std::vector<nlohmann::json> of_kind(const std::vector<nlohmann::json>& events,
                                    const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& e : events)
    if (e.value("event", "") == kind) out.push_back(e);
  return out;
}

}  // namespace flow::rt::testing

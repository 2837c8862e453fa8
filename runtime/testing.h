#pragma once
// Test helpers (tests only): a scratch directory, a small IR builder, a fake backend that
// records every call (ninja's FakeCommandRunner idea), and a one-call way to run a flow.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/backends/backend.h"
#include "runtime/engine/budget.h"
#include "runtime/engine/inputs.h"
#include "runtime/engine/plan.h"
#include "runtime/store/event_json.h"

namespace flow::rt::testing {

// Pops every task the plan has ready, in order, and returns their nodes.
std::vector<uint32_t> drain(Plan& p);

struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
};

// Builds ir::Flow node by node; every agent used is declared on first use.
struct FlowBuilder {
  ir::Flow flow;
  uint32_t agent(const std::string& name, std::vector<uint32_t> deps = {},
                 const std::string& agent = "");
  uint32_t command(const std::string& name, const std::string& cmd, std::vector<uint32_t> deps = {});
  uint32_t human(const std::string& name, std::vector<uint32_t> deps = {});
  uint32_t review_gate(uint32_t target, std::vector<uint32_t> members,
                       const std::string& reviewer = "critic", int retries = 2,
                       ir::OnExhausted on = ir::OnExhausted::Stop);
  uint32_t add(ir::Node node);
  // Declares the agent if it is new; its index in flow.agents.
  uint32_t declare(const std::string& agent_name, const std::string& role = "worker");
};

struct FakeCall {
  AgentRequest request;
};

// Answers every call at once (or after `delay_ms`); the reply function decides what to say.
class FakeBackend : public Backend {
 public:
  std::string name() const override { return "fake"; }
  AgentResult call(const AgentRequest& request, Cancel* cancel) override;

  std::function<AgentResult(const AgentRequest&)> reply;  // default: ok, "out:STEP"; reviews PASS
  int delay_ms = 0;
  // Holds each call of an agent named here until that many of its calls run at once (or 10 s
  // have passed): a test of concurrency then waits for the state, not for a lucky schedule.
  std::map<std::string, int> gather;
  int gather_any = 0;  // the same for calls of any agent together
  std::vector<AgentRequest> calls() const;
  std::vector<std::string> steps_called() const;  // the step of each call, in order
  int max_concurrent() const { return max_; }
  std::map<std::string, int> max_concurrent_by_agent() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable gathered_;
  std::vector<AgentRequest> calls_;
  int current_ = 0, max_ = 0;
  std::map<std::string, int> agent_now_, agent_max_;
};

struct RunOutcome {
  int exit_code = -1;
  std::vector<nlohmann::json> events;  // events.jsonl's lines, as the tests check them
  std::string report;
  std::string dir;
};

struct RunSetup {
  int jobs = 2;
  bool yes = false;
  std::vector<std::pair<std::string, int>> pools;
  std::map<std::string, std::string> agent_pools;
  InputValues inputs;
  BudgetLimits limits;
};

// Runs `flow` with `fake` as the only backend in a fresh run directory under `dir`.
// With `resume_events`, replays them first (as `flow resume` does).
RunOutcome run_with_fake(const ir::Flow& flow, FakeBackend& fake, const std::string& dir,
                         const RunSetup& setup = {},
                         const std::vector<nlohmann::json>* resume_events = nullptr);

// The events of one kind, in order.
std::vector<nlohmann::json> of_kind(const std::vector<nlohmann::json>& events, const std::string& kind);

}  // namespace flow::rt::testing

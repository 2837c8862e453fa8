#pragma once
// The run loop: start ready tasks up to --jobs (and their pools), run them on worker threads,
// and react to each completion — record it, release what depends on it, judge gates, send
// work back. The main thread sleeps on a condition variable between completions; each
// completion costs O(its dependents), so 100k-node runs stay fast.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/ir.h"
#include "runtime/ask.h"
#include "runtime/budget.h"
#include "runtime/cancel.h"
#include "runtime/inputs.h"
#include "runtime/plan.h"
#include "runtime/pool.h"
#include "runtime/prompt.h"
#include "runtime/router.h"
#include "runtime/run_store.h"
#include "runtime/status.h"
#include "runtime/write_scope.h"

namespace flow::rt {

struct RunEnv {
  InputValues inputs;
  std::string run_id;
  std::string run_dir;   // where steps/ and events.jsonl live
  int jobs = 1;
  bool yes = false;      // auto-approve human questions
  bool wait_approvals = false;   // no terminal: wait for `flow approve` instead of stopping
  std::string approvals_notify;  // flow.yaml approvals.notify: run when a wait begins
  bool resumed = false;
  ContextBudget budget;
  BudgetLimits limits;  // calls, cost, tokens (budget.h)
  Spent spent;          // what the run spent before (resume); the scheduler adds to it
};

// Resume: a gate's last outcome that the run did not act on (restore.cc). `refused`: the gate
// ran out of retries (or a person did not accept its last attempt) and the run stopped there,
// so a resume sends the work back with a fresh budget; else a FAIL whose consequence (a retry,
// the `else` of an exhausted gate) was never recorded. Either way the work is not judged again.
struct UnresolvedGate {
  uint32_t gate = 0;
  int item = -1;  // a per-item gate: the item; -1: the gate's whole work
  bool refused = false;
  std::string feedback;
};
struct GateOutcomes;  // restore.cc: the outcomes seen while replaying

enum ExitCode {
  kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitBudget = 3, kExitInterrupted = 130
};

class Scheduler {
 public:
  Scheduler(RunEnv env, Plan& plan, EventLog& log, Status& status, Router& router, Pools& pools,
            Cancel& cancel);
  ~Scheduler();

  // Replays a resumed run's events into the plan and the outputs. False (and `error` says
  // which event and why) if they do not fit the flow: then nothing has been changed on disk.
  bool restore(const std::vector<nlohmann::json>& events, std::string* error);
  // Runs to the end. Returns kExitOk, kExitFailed, kExitBudget or kExitInterrupted.
  int run();
  // Wakes the loop (the signal thread calls this after cancel.request()).
  void wake();
  const std::string& report() const { return report_; }  // why the run failed
  const std::string& signal_name() const { return signal_; }
  void set_signal_name(const std::string& s) { signal_ = s; }

 private:
  struct Completion {
    Task task;
    int attempt = 1;
    std::string kind;  // agent, command, human, review, check
    bool ok = false, cancelled = false, refused = false;
    std::string output, error, how, feedback;
    std::string who, comment, notify_error;  // answers given with `flow approve` / `reject`
    int64_t ms = 0;
    std::string output_file, prompt_file;  // relative to the run directory
    std::string hash;
    // Backend calls: which call this is (1 = the first), the backend's retry policy, and when
    // a failed call may be tried again, the job that makes it.
    int call = 1;
    bool retryable = false;
    RetryPolicy retry;
    std::function<Completion(Completion)> job;
    std::string store_error;  // writing the prompt or output file failed: nothing counts
    AgentUsage usage;  // what the agent program reported (known only for `claude`)
    std::vector<std::string> events;  // the backend's own events (AgentResult::events)
  };

  void emit_start();
  bool wait_for_completions(bool interrupted, std::vector<Completion>& batch);
  int finish(bool interrupted);
  void fill();
  bool over_budget(const Task& t);  // an agent call that a spent budget keeps from starting
  bool is_call(const Task& t) const;
  void count_usage(const Completion& c);
  void dispatch(const Task& t);
  void dispatch_gate(const Task& t, Completion base, ojson ev);
  void dispatch_step(const Task& t, Completion base, ojson ev);
  Backend* agent_backend(const ir::Agent& agent, const char* kind, Completion& base, ojson ev);
  using EnvVars = std::vector<std::pair<std::string, std::string>>;
  void submit_shell(Completion base, ojson ev, const char* kind, std::string command,
                    EnvVars env);
  EnvVars command_env(uint32_t id);
  void submit_ask(Completion base, ojson ev, std::string question, bool gate);
  WaitSpec wait_spec(const std::string& step, const char* kind) const;
  std::vector<WorkShown> question_work(uint32_t id);
  void submit_agent(Completion base, Backend* backend, AgentRequest req, WriteScope scope);
  static Completion run_shell(const std::string& dir, Cancel* cancel, ScopeTracker* scopes,
                              Completion c, const std::string& command, const EnvVars& env);
  static Completion run_agent(const std::string& dir, Cancel* cancel, ScopeTracker* scopes,
                              Completion c, Backend* backend, AgentRequest& req,
                              const WriteScope& scope, const std::string& recordings);
  static Completion run_ask(const std::string& dir, Cancel* cancel, bool yes, Completion c,
                            const Question& q, const WaitSpec& where, bool wait,
                            ScreenHold* screen);
  bool waits_for_approval(const std::string& step, const std::string& question, const char* kind);
  void submit(const Completion& base, std::function<Completion(Completion)> job);
  void handle(Completion& c);
  bool retry_call(Completion& c);
  void emit_backend_events(const Completion& c);
  void kill_leftovers();
  void handle_gate(Completion& c);
  void gate_passed(uint32_t gate);
  // The gate's work failed (item >= 0: one item of a per-item gate): sends it back, or asks
  // or accepts or stops as the gate's `else` says once retries are used up.
  void gate_failed(uint32_t gate, int item, const std::string& feedback);
  void send_work_back(uint32_t gate, int item, const std::string& feedback,
                      const char* rework_reason);
  void exhausted(uint32_t gate, int item, const std::string& feedback);
  std::string judged(uint32_t gate, int item) const;
  void resolve_on_resume();  // acts on the gate outcomes the resumed run left unresolved
  void replay(const nlohmann::json& e, GateOutcomes& outcomes);  // one event of a resumed run
  void replay_gate(const nlohmann::json& e, uint32_t gate, GateOutcomes& outcomes);
  bool restore_output(const nlohmann::json& e, std::string* text) const;
  void node_done(uint32_t id);
  void finish_untasked();  // events for nodes the plan completed without running anything
  void finish_untasked_once();
  void choose_items(uint32_t id);  // a fan-out over a step's answer reads its items
  std::string step_instructions(uint32_t id) const;  // `ITEM:` and verdict protocol, if any
  void store_failed(const std::string& step, const std::string& error);
  void fail_run(const std::string& step, const std::string& error, const std::string& report);
  int pool_of(const Task& t) const;
  Context upstream(uint32_t id);
  Context gate_work(uint32_t gate);
  Context item_work(uint32_t gate, int item);
  std::string work_label(const Task& t) const;
  // What events call a task's `index`: a per-item gate's item, else the fan-out item or check.
  static int event_index(const Task& t) { return t.item >= 0 ? t.item : t.index; }
  bool take(Context& c, const std::string& step, const std::string& file, const std::string& text,
            size_t* bytes) const;
  std::string step_file(uint32_t id, int attempt, int index, char tag, const char* suffix) const;
  ojson& emit(ojson e);
  void worker_main();

  RunEnv env_;
  std::string inputs_text_;  // the inputs part of every prompt (inputs_section), composed once
  ScopeTracker scopes_;  // write scopes of the steps running now (write_scope.h)
  Plan& plan_;
  const ir::Flow& flow_;
  EventLog& log_;
  Status& status_;
  Router& router_;
  Pools& pools_;
  Cancel& cancel_;

  std::vector<std::string> output_, output_file_;      // per node: latest finished output
  std::vector<std::vector<std::string>> item_output_;  // per fan-out node and item
  std::unordered_map<std::string, int> agent_pool_;    // per agent: pool or -1
  std::unordered_map<std::string, uint32_t> by_name_;
  std::vector<int> item_cap_;       // per node: cap of a fan-out over its answer (0: none)
  std::vector<std::string> judged_by_;  // per node: the gate that reads its own verdict
  std::vector<int> gate_seen_;                         // resume: highest gate attempt on record
  std::vector<UnresolvedGate> unresolved_;              // resume: acted on before the run
  std::vector<uint32_t> seen_;                         // context walk marks
  uint32_t seen_stamp_ = 0;
  uint64_t jitter_state_;                              // backoff jitter (splitmix64)

  int running_ = 0;
  bool stopping_ = false, failed_ = false;
  std::string report_, signal_ = "SIGINT";
  std::string budget_stop_;  // why a budget stopped the run
  bool warned_unknown_cost_ = false;

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::pair<Completion, std::function<Completion(Completion)>>> jobs_;
  std::vector<Completion> done_;
  bool quit_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace flow::rt

#pragma once
// The run loop: start ready tasks up to --jobs (and their pools), have the composer make each
// one's call and the runner run it (engine/), and react to each finished call: record it,
// release what depends on it, judge gates, send work back. The loop sleeps in the runner
// between calls; each finished call costs O(its dependents), so 100k-node runs stay fast.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/ir.h"
#include "runtime/terminal/ask.h"
#include "runtime/engine/budget.h"
#include "runtime/engine/cancel.h"
#include "runtime/engine/compose.h"
#include "runtime/engine/runner.h"
#include "runtime/engine/inputs.h"
#include "runtime/engine/plan.h"
#include "runtime/engine/pool.h"
#include "runtime/engine/prompt.h"
#include "runtime/backends/router.h"
#include "runtime/store/run_store.h"
#include "runtime/terminal/status.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

struct RunEnv {
  InputValues inputs;
  std::string run_id;
  std::string run_dir;   // where steps/ and events.jsonl live
  int jobs = 1;
  bool inline_calls = false;  // run each call on the loop's own thread (`flow run-node`)
  // `flow run-node` (and `flow run --prepare`): run only the tasks of `only_node` (none when
  // empty), say nothing of a resume, and end the run only when its last node has finished.
  bool stepping = false;
  std::optional<uint32_t> only_node;
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

// Where a run is recorded: its event log on disk and what the terminal shows of it. Every
// event goes to both (Scheduler::emit).
struct RunRecord {
  EventLog& log;
  Status& status;
};

// How the loop is doing: calls in flight, whether it is winding down, and how it ended.
struct LoopState {
  int running = 0;
  bool stopping = false, failed = false;
  bool ended = false, not_ready = false;
  bool node_sent_back = false;  // stepping: only_node is a gate that sent its work back
  std::string report;           // why the run failed
  std::string signal = "SIGINT";
};

// Budgets (scheduler_budget.cc): why one stopped the run, and whether the warning about a call
// of unknown cost was given.
struct BudgetState {
  std::string stop;
  bool warned_unknown_cost = false;
};

// Resume (restore.cc): the highest attempt on record per gate, and the gate outcomes the
// resumed run left unresolved, acted on before the run goes on.
struct ResumeState {
  std::vector<int> gate_seen;
  std::vector<UnresolvedGate> unresolved;
};

class Scheduler {
 public:
  Scheduler(RunEnv env, Plan& plan, EventLog& log, Status& status, Router& router, Pools& pools,
            Cancel& cancel);
  ~Scheduler();

  // Replays a resumed run's events into the plan and the outputs. False (and `error` says
  // which event and why) if they do not fit the flow: then nothing has been changed on disk.
  bool restore(const std::vector<Event>& events, std::string* error);
  // Runs to the end. Returns kExitOk, kExitFailed, kExitBudget or kExitInterrupted.
  int run();
  // Wakes the loop (the signal thread calls this after cancel.request()).
  void wake();
  const std::string& report() const { return loop_.report; }  // why the run failed
  const std::string& signal_name() const { return loop_.signal; }
  // Stepping: what became of `only_node` ("done", "passed", "sent back", "skipped", "failed",
  // "waiting": it did not finish) and whether the run has ended (run_end was recorded).
  std::string node_outcome() const;
  bool ended() const { return loop_.ended; }
  bool not_ready() const { return loop_.not_ready; }  // only_node waits for other nodes: nothing ran
  void set_signal_name(const std::string& s) { loop_.signal = s; }

 private:
  // The loop (scheduler.cc)
  void emit_start();
  bool wait_for_calls(bool interrupted, std::vector<Finished>& batch);
  int finish(bool interrupted);
  void fill();
  void dispatch(const Task& t);
  void kill_leftovers();
  void store_failed(const std::string& step, const std::string& error);
  void fail_run(const std::string& step, const std::string& error, const std::string& report);
  int pool_of(const Task& t) const;
  const Event& emit(EventBody e);
  // What each finished call changes (scheduler_calls.cc)
  void handle(Finished& f);
  bool retry_call(Finished& f);
  void emit_backend_events(const Finished& f);
  void record_approval(const Finished& f);
  void step_failed(const Finished& f);
  void node_done(uint32_t id);
  void finish_untasked();  // events for nodes the plan completed without running anything
  void finish_untasked_once();
  void choose_items(uint32_t id);  // a fan-out over a step's answer reads its items
  // Gates (scheduler_gates.cc)
  void handle_gate(Finished& f);
  void gate_passed(uint32_t gate);
  // The gate's work failed (item >= 0: one item of a per-item gate): sends it back, or asks
  // or accepts or stops as the gate's `else` says once retries are used up.
  void gate_failed(uint32_t gate, int item, const std::string& feedback);
  void send_work_back(uint32_t gate, int item, const std::string& feedback,
                      const char* rework_reason);
  void exhausted(uint32_t gate, int item, const std::string& feedback);
  std::string judged(uint32_t gate, int item) const;
  // Budgets (scheduler_budget.cc)
  bool over_budget(const Task& t);  // an agent call that a spent budget keeps from starting
  bool is_call(const Task& t) const;
  void count_usage(const Finished& f);
  // Resuming (restore.cc)
  void resolve_on_resume();  // acts on the gate outcomes the resumed run left unresolved
  void replay(const EventBody& e, GateOutcomes& outcomes);  // one event of a resumed run
  void replay_gate(const EventBody& e, uint32_t gate, GateOutcomes& outcomes);
  bool restore_output(const std::optional<std::string>& output, const std::string& hash,
                      std::string* text) const;
  // What events call a task's `index`: a per-item gate's item, else the fan-out item or check.
  static int event_index(const Task& t) { return t.item >= 0 ? t.item : t.index; }
  ev::CallPlace place_of(const Call& c) const;  // what a call's events say it was

  const ir::Flow& flow() const { return plan_.flow(); }

  RunEnv env_;
  Plan& plan_;
  RunRecord record_;    // the event log and the terminal
  Pools& pools_;        // named pools, and each agent's
  Cancel& cancel_;
  ScopeTracker scopes_;  // write scopes of the calls running now (write_scope.h)
  Outputs outputs_;
  Composer composer_;                 // the call of a ready task (engine/compose.h)
  std::unique_ptr<Runner> runner_;    // where calls run (engine/runner.h)
  LoopState loop_;
  BudgetState budget_;
  ResumeState resume_;
};

}  // namespace flow::rt

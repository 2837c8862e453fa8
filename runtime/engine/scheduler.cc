#include "runtime/engine/scheduler.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "runtime/processes/proc_track.h"

namespace flow::rt {
namespace {

ComposeEnv compose_env(const RunEnv& env, const std::string& recordings) {
  ComposeEnv c;
  c.run_id = env.run_id;
  c.run_dir = env.run_dir;
  c.inputs = env.inputs;
  c.budget = env.budget;
  c.yes = env.yes;
  c.wait_approvals = env.wait_approvals;
  c.approvals_notify = env.approvals_notify;
  c.recordings = recordings;
  return c;
}

// `path` (absolute) relative to the current directory when it lies below it; "" otherwise:
// `flow run --record DIR` writes recordings during the calls, which are not the agents' writes.
std::string below_cwd(const std::string& path) {
  char* cwd = ::getcwd(nullptr, 0);
  std::string dir = cwd ? cwd : "";
  std::free(cwd);
  if (dir.empty() || path.size() <= dir.size() + 1 || path.compare(0, dir.size(), dir) != 0 ||
      path[dir.size()] != '/')
    return "";
  return path.substr(dir.size() + 1);
}

}  // namespace

Scheduler::Scheduler(RunEnv env, Plan& plan, EventLog& log, Status& status, Router& router,
                     Pools& pools, Cancel& cancel)
    : env_(std::move(env)), plan_(plan), record_{log, status}, pools_(pools), cancel_(cancel),
      composer_(compose_env(env_, below_cwd(router.api.record_dir)), plan, outputs_, router) {
  const size_t n = flow().nodes.size();
  outputs_.text.resize(n);
  outputs_.file.resize(n);
  outputs_.items.resize(n);
  for (const ir::Node& node : flow().nodes) outputs_.items[node.id].resize(plan.node(node.id).items.size());
  // Each agent's pool, looked up once: agent calls and review checks wait in their agent's pool.
  for (uint32_t a = 0; a < flow().agents.size(); ++a) {
    const ir::Agent& agent = flow().agents[a];
    std::string pool = pool_for(router.config, agent.name, agent.model);
    pools_.set_agent_pool(a, pool.empty() ? -1 : pools_.find(pool));
  }
  ExecContext exec{env_.run_dir, &cancel_, &scopes_, env_.yes, record_.status.screen()};
  runner_ = env_.inline_calls ? make_inline_runner(std::move(exec))
                              : make_thread_runner(std::move(exec), env_.jobs);
}

Scheduler::~Scheduler() = default;

void Scheduler::wake() { runner_->wake(); }

const Event& Scheduler::emit(EventBody e) {
  const Event& stamped = record_.log.emit(std::move(e));
  record_.status.event(stamped);
  return stamped;
}

int Scheduler::pool_of(const Task& t) const {
  const ir::Node& node = flow().nodes[t.node];
  uint32_t agent = ir::kNoId;
  if (node.kind() == ir::NodeKind::Gate) {
    if (t.index < 0 || node.gate().checks[t.index].kind != ir::Check::Kind::Review) return -1;
    agent = node.gate().checks[t.index].agent;
  } else if (node.kind() == ir::NodeKind::Agent) {
    agent = node.agent_call().agent;
  } else {
    return -1;
  }
  return pools_.agent_pool(agent);
}

// --- the loop ----------------------------------------------------------------------------------

int Scheduler::run() {
  emit_start();
  kill_leftovers();
  resolve_on_resume();  // before start(): the gates it sends back are not queued yet
  plan_.start();
  if (env_.only_node && plan_.node(*env_.only_node).state == State::Waiting) {
    loop_.not_ready = true;  // `flow run-node` of a node whose dependencies have not finished
    return kExitUsage;
  }
  finish_untasked();
  std::string err;
  if (!record_.log.commit(&err)) store_failed("", err);
  bool interrupted = false;
  for (;;) {
    if (cancel_.requested() && !interrupted) {
      interrupted = true;
      loop_.stopping = true;
    }
    fill();
    if (loop_.running == 0) break;
    std::vector<Finished> batch;
    if (!wait_for_calls(interrupted, batch)) continue;
    for (Finished& f : batch) {
      handle(f);
      finish_untasked();
      // The next call starts as soon as this one's slot is free, not after the bookkeeping
      // of every other call that finished meanwhile (their events are committed together).
      if (!cancel_.requested()) fill();
    }
    // Group commit: one write covers every event of this wake-up; the fsync runs in the
    // background (EventLog).
    if (!record_.log.commit(&err)) store_failed("", err);
  }
  // Stepping: the run goes on with the next `flow run-node` unless it is over.
  if (env_.stepping && !interrupted && !loop_.failed && budget_.stop.empty() && !plan_.all_finished()) {
    if (!record_.log.sync()) store_failed("", "cannot flush events.jsonl to disk");
    return loop_.failed ? kExitFailed : kExitOk;
  }
  return finish(interrupted);
}

std::string Scheduler::node_outcome() const {
  if (!env_.only_node) return "";
  const uint32_t id = *env_.only_node;
  const NodeState& n = plan_.node(id);
  if (loop_.node_sent_back && n.state != State::Done) return "sent back";
  if (n.skip || n.state == State::Skipped) return "skipped";
  if (n.state == State::Failed) return "failed";
  if (n.state != State::Done) return loop_.failed ? "failed" : "waiting";
  return flow().nodes[id].kind() == ir::NodeKind::Gate ? "passed" : "done";
}

// The first events: a resumed run says so; a new one says which steps `when` skips, and why.
void Scheduler::emit_start() {
  if (env_.stepping && env_.resumed) return;  // each `flow run-node` goes on where one stopped
  if (env_.resumed) {
    // As the live view counts (step_progress.h): a step whose gates have all passed.
    auto finished = [&](uint32_t i) { return plan_.node(i).state == State::Done || plan_.node(i).skip; };
    int64_t steps = 0;
    for (uint32_t i = 0; i < plan_.size(); ++i)
      steps += flow().nodes[i].kind() != ir::NodeKind::Gate && finished(i) &&
               std::all_of(plan_.guards(i).begin(), plan_.guards(i).end(), finished);
    emit(ev::RunResume{env_.run_id, steps});
    return;
  }
  for (uint32_t i = 0; i < plan_.size(); ++i)
    if (plan_.node(i).skip && !plan_.node(i).late_skip)
      emit(ev::Skip{flow().nodes[i].name, plan_.node(i).skip_reason});
}

// Waits for finished calls (or a cancel) and moves them into `batch`. False when the wait only
// timed out to let the status line tick.
bool Scheduler::wait_for_calls(bool interrupted, std::vector<Finished>& batch) {
  auto woken = [&] { return cancel_.requested() && !interrupted; };
  if (runner_->wait(batch, record_.status.wants_ticks() ? 250 : -1, woken) || woken()) return true;
  record_.status.tick();
  return false;
}

// The `run_end` event and the exit code; the record must reach the disk for a success.
int Scheduler::finish(bool interrupted) {
  int code = kExitOk;
  ev::RunEnd end;
  if (interrupted) {
    emit(ev::Interrupted{loop_.signal});
    end.status = "interrupted";
    code = kExitInterrupted;
  } else if (loop_.failed) {
    end.status = "failed";
    end.error = loop_.report;
    code = kExitFailed;
  } else if (!budget_.stop.empty()) {
    loop_.report = budget_report(budget_.stop, env_.spent, env_.limits, env_.run_id);
    end.status = "budget_exhausted";
    end.error = budget_.stop;
    code = kExitBudget;
  } else if (!plan_.all_finished()) {
    loop_.report = fmt::format("error: {} of {} steps could not run (their dependencies never "
                          "finished); this is a bug or a damaged IR",
                          plan_.size() - plan_.finished_count(), plan_.size());
    end.status = "failed";
    end.error = loop_.report;
    code = kExitFailed;
  } else {
    end.status = "succeeded";
  }
  end.duration_ms = unix_ms_now() - record_.log.started_ms();
  emit(std::move(end));
  loop_.ended = true;
  // A run whose record could not be completed has not succeeded, whatever its steps did.
  std::string err;
  if ((!record_.log.commit(&err) || !record_.log.sync()) && code == kExitOk) {
    if (err.empty()) err = "cannot flush events.jsonl to disk";
    store_failed("", err);
    code = kExitFailed;
  }
  return code;
}

void Scheduler::store_failed(const std::string& step, const std::string& error) {
  std::string what = step.empty() ? "cannot record the run" : "cannot record step `" + step + "`";
  fail_run(step, error,
           fmt::format("error: {}: {}\n  the run is kept as far as it was recorded; free space "
                       "(or fix the cause), then continue with: flow resume {}",
                       what, error, env_.run_id));
}

void Scheduler::fail_run(const std::string& step, const std::string& error,
                         const std::string& report) {
  if (!step.empty()) emit(ev::Fail{step, error});
  if (!loop_.failed) loop_.report = report;  // the first failure is the one to explain
  loop_.failed = true;
  loop_.stopping = true;
}

// A run that crashed may have left programs running (if even their supervisors were killed,
// say by `pkill -9 flow`). Before anything starts again, kill the groups it recorded that are
// verifiably still the ones it started, so no step runs twice at once on the same checkout.
void Scheduler::kill_leftovers() {
  const std::string dir = env_.run_dir + "/procs";
  if (env_.resumed)
    for (const LeftoverGroup& g : kill_leftover_groups(dir))
      emit(ev::LeftoverKilled{g.pgid, g.pid});
  std::string err;
  make_dirs(dir, &err);  // without it, groups are not recorded; the supervisors still act
}

// --- dispatch ----------------------------------------------------------------------------------

void Scheduler::fill() {
  Task t;
  while (!loop_.stopping && loop_.running < env_.jobs && plan_.pop_ready(&t)) {
    // Stepping: another node's task stays unstarted; no event says it was ready, so the next
    // process finds it ready again.
    if (env_.stepping && t.node != env_.only_node) continue;
    if (over_budget(t)) break;
    int pool = pool_of(t);
    if (pool >= 0 && !pools_.acquire(pool, t)) continue;  // delayed, not failed
    dispatch(t);
  }
}

// Composes the task's call, records its start (and a question's wait) and hands it to the runner.
void Scheduler::dispatch(const Task& t) {
  const ir::Node& node = flow().nodes[t.node];
  ++loop_.running;
  if (is_call(t)) ++env_.spent.calls;  // counted when started, as `rule at most N calls` counts
  Composed c = composer_.compose(t);
  ev::Dispatch d{.step = node.name, .stage = flow().stage_of(node), .attempt = c.call.attempt};
  if (node.kind() == ir::NodeKind::Gate || t.index >= 0) d.index = event_index(t);
  // The composer names the call (its kind, and for agents the agent, model and backend).
  d.kind = c.names.kind;
  d.agent = c.names.agent;
  d.model = c.names.model;
  d.backend = c.names.backend;
  emit(std::move(d));
  if (c.approval_wait)
    emit(ev::ApprovalWait{node.name, c.call.ask.question.text, c.call.ask.where.kind, env_.run_id});
  runner_->start(std::move(c.call));
}

}  // namespace flow::rt

#include "runtime/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "runtime/ask.h"
#include "runtime/items.h"
#include "runtime/proc_track.h"
#include "runtime/subprocess.h"
#include "runtime/usage.h"
#include "runtime/verdict.h"

namespace flow::rt {
Scheduler::Scheduler(RunEnv env, Plan& plan, EventLog& log, Status& status, Router& router,
                     Pools& pools, Cancel& cancel)
    : env_(std::move(env)), inputs_text_(inputs_section(env_.inputs)), plan_(plan),
      flow_(plan.flow()), log_(log), status_(status), router_(router), pools_(pools),
      cancel_(cancel),
      jitter_state_(static_cast<uint64_t>(unix_ms_now()) ^ static_cast<uint64_t>(getpid())) {
  const size_t n = flow_.nodes.size();
  output_.resize(n);
  output_file_.resize(n);
  item_output_.resize(n);
  seen_.assign(n, 0);
  for (const ir::Node& node : flow_.nodes) {
    by_name_[node.name] = node.id;
    item_output_[node.id].resize(plan.node(node.id).items.size());
  }
  item_cap_.assign(n, 0);
  judged_by_.resize(n);
  for (const ir::Node& node : flow_.nodes) {
    if (auto it = by_name_.find(node.fanout_step); !node.fanout_step.empty() && it != by_name_.end())
      item_cap_[it->second] = std::max(item_cap_[it->second], node.fanout_cap);
    for (const ir::Check& c : node.checks)
      if (auto it = by_name_.find(c.step); c.kind == ir::Check::Kind::Verdict && it != by_name_.end())
        judged_by_[it->second] = node.name;
  }
  // Each agent's pool, looked up once: agent calls and review checks wait in their agent's pool.
  for (const ir::Agent& a : flow_.agents) {
    std::string pool = pool_for(router_.config, a.name, a.model);
    agent_pool_[a.name] = pool.empty() ? -1 : pools_.find(pool);
  }
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Scheduler::wake() {
  std::lock_guard<std::mutex> lock(mu_);
  done_cv_.notify_all();
}

ojson& Scheduler::emit(ojson e) {
  ojson& stamped = log_.emit(std::move(e));
  status_.event(stamped);
  return stamped;
}

std::string Scheduler::step_file(uint32_t id, int attempt, int index, char tag,
                                 const char* suffix) const {
  std::string s = "steps/" + file_safe(flow_.nodes[id].name) + ".a" + std::to_string(attempt);
  if (index >= 0) s += std::string(".") + tag + std::to_string(index);
  return s + suffix;
}

int Scheduler::pool_of(const Task& t) const {
  const ir::Node& node = flow_.nodes[t.node];
  const std::string* agent = &node.agent;
  if (node.kind == ir::NodeKind::Gate) {
    if (t.index < 0 || node.checks[t.index].kind != ir::Check::Kind::Review) return -1;
    agent = &node.checks[t.index].agent;
  } else if (node.kind != ir::NodeKind::Agent) {
    return -1;
  }
  auto it = agent_pool_.find(*agent);
  return it == agent_pool_.end() ? -1 : it->second;
}

// --- the loop ----------------------------------------------------------------------------------

int Scheduler::run() {
  emit_start();
  kill_leftovers();
  resolve_on_resume();  // before start(): the gates it sends back are not queued yet
  plan_.start();
  finish_untasked();
  std::string err;
  if (!log_.commit(&err)) store_failed("", err);
  bool interrupted = false;
  for (;;) {
    if (cancel_.requested() && !interrupted) {
      interrupted = true;
      stopping_ = true;
    }
    fill();
    if (running_ == 0) break;
    std::vector<Completion> batch;
    if (!wait_for_completions(interrupted, batch)) continue;
    for (Completion& c : batch) {
      handle(c);
      finish_untasked();
      // The next call starts as soon as this one's slot is free, not after the bookkeeping
      // of every other call that finished meanwhile (their events are committed together).
      if (!cancel_.requested()) fill();
    }
    // Group commit: one write covers every event of this wake-up; the fsync runs in the
    // background (EventLog).
    if (!log_.commit(&err)) store_failed("", err);
  }
  return finish(interrupted);
}

// The first events: a resumed run says so; a new one says which steps `when` skips, and why.
void Scheduler::emit_start() {
  if (env_.resumed) {
    // As the live view counts (step_progress.h): a step whose gates have all passed.
    auto finished = [&](uint32_t i) { return plan_.node(i).state == State::Done || plan_.node(i).skip; };
    int64_t steps = 0;
    for (uint32_t i = 0; i < plan_.size(); ++i)
      steps += flow_.nodes[i].kind != ir::NodeKind::Gate && finished(i) &&
               std::all_of(plan_.guards(i).begin(), plan_.guards(i).end(), finished);
    emit({{"event", "run_resume"}, {"run", env_.run_id}, {"finished", steps}});
    return;
  }
  for (uint32_t i = 0; i < plan_.size(); ++i)
    if (plan_.node(i).skip && !plan_.node(i).late_skip)
      emit({{"event", "skip"}, {"step", flow_.nodes[i].name},
            {"reason", plan_.node(i).skip_reason}});
}

// Waits for finished tasks (or a cancel) and moves them into `batch`. False when the wait
// only timed out to let the status line tick.
bool Scheduler::wait_for_completions(bool interrupted, std::vector<Completion>& batch) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&] { return !done_.empty() || (cancel_.requested() && !interrupted); };
  if (status_.wants_ticks()) {
    if (!done_cv_.wait_for(lock, std::chrono::milliseconds(250), ready)) {
      lock.unlock();
      status_.tick();
      return false;
    }
  } else {
    done_cv_.wait(lock, ready);
  }
  batch.swap(done_);
  return true;
}

// The `run_end` event and the exit code; the record must reach the disk for a success.
int Scheduler::finish(bool interrupted) {
  int code = kExitOk;
  ojson end{{"event", "run_end"}};
  if (interrupted) {
    emit({{"event", "interrupted"}, {"signal", signal_}});
    end["status"] = "interrupted";
    code = kExitInterrupted;
  } else if (failed_) {
    end["status"] = "failed";
    end["error"] = report_;
    code = kExitFailed;
  } else if (!budget_stop_.empty()) {
    report_ = budget_report(budget_stop_, env_.spent, env_.limits, env_.run_id);
    end["status"] = "budget_exhausted";
    end["error"] = budget_stop_;
    code = kExitBudget;
  } else if (!plan_.all_finished()) {
    report_ = fmt::format("error: {} of {} steps could not run (their dependencies never "
                          "finished); this is a bug or a damaged IR",
                          plan_.size() - plan_.finished_count(), plan_.size());
    end["status"] = "failed";
    end["error"] = report_;
    code = kExitFailed;
  } else {
    end["status"] = "succeeded";
  }
  end["duration_ms"] = unix_ms_now() - log_.started_ms();
  emit(std::move(end));
  // A run whose record could not be completed has not succeeded, whatever its steps did.
  std::string err;
  if ((!log_.commit(&err) || !log_.sync()) && code == kExitOk) {
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
  if (!step.empty()) emit({{"event", "fail"}, {"step", step}, {"error", error}});
  if (!failed_) report_ = report;  // the first failure is the one to explain
  failed_ = true;
  stopping_ = true;
}

// --- completions -------------------------------------------------------------------------------

// A run that crashed may have left programs running (if even their supervisors were killed,
// say by `pkill -9 flow`). Before anything starts again, kill the groups it recorded that are
// verifiably still the ones it started, so no step runs twice at once on the same checkout.
void Scheduler::kill_leftovers() {
  const std::string dir = env_.run_dir + "/procs";
  if (env_.resumed)
    for (const LeftoverGroup& g : kill_leftover_groups(dir))
      emit({{"event", "leftover_killed"}, {"pgid", g.pgid}, {"pid", g.pid}});
  std::string err;
  make_dirs(dir, &err);  // without it, groups are not recorded; the supervisors still act
}

// A failed backend call is tried again as its backend's policy says (docs/config.md), in the
// same job slot and pool slot. Never after an interrupt, and not once the run is stopping.
bool Scheduler::retry_call(Completion& c) {
  if (c.ok || c.cancelled || !c.retryable || !c.job || c.call > c.retry.retries || stopping_ ||
      cancel_.requested())
    return false;
  int64_t delay = static_cast<int64_t>(c.retry.delay_ms) << std::min(c.call - 1, 16);
  delay = std::min<int64_t>(delay, 3600 * 1000);
  jitter_state_ += 0x9e3779b97f4a7c15ULL;  // splitmix64
  uint64_t z = jitter_state_;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  delay = delay / 2 + static_cast<int64_t>(z % static_cast<uint64_t>(delay - delay / 2 + 1));
  const ir::Node& node = flow_.nodes[c.task.node];
  ojson ev{{"event", "call_retry"}, {"step", node.name}, {"kind", c.kind}, {"attempt", c.attempt}};
  if (event_index(c.task) >= 0) ev["index"] = event_index(c.task);
  ev["call"] = c.call;
  ev["calls"] = c.retry.retries + 1;
  ev["error"] = c.error;
  ev["delay_ms"] = delay;
  emit(std::move(ev));
  Completion next;
  next.task = c.task;
  next.attempt = c.attempt;
  next.kind = c.kind;
  next.output_file = c.output_file;
  next.prompt_file = c.prompt_file;
  next.call = c.call + 1;
  next.retry = c.retry;
  Cancel* cancel = &cancel_;
  submit(next, [job = std::move(c.job), delay, cancel](Completion n) {
    if (!cancel->sleep_for(delay)) {  // Ctrl-C during the backoff: no further call
      n.cancelled = true;
      n.hash = output_hash("");
      return n;
    }
    return job(std::move(n));
  });
  return true;
}

// The backend's own events of one call (AgentResult::events), placed with the call's step.
void Scheduler::emit_backend_events(const Completion& c) {
  const ir::Node& node = flow_.nodes[c.task.node];
  for (const std::string& text : c.events) {
    nlohmann::json given = nlohmann::json::parse(text, nullptr, false);
    if (!given.is_object() || !given.contains("event")) continue;
    ojson ev{{"event", given["event"]}, {"step", node.name}, {"kind", c.kind}, {"attempt", c.attempt}};
    if (event_index(c.task) >= 0) ev["index"] = event_index(c.task);
    for (const auto& [k, v] : given.items())
      if (!ev.contains(k)) ev[k] = v;
    emit(std::move(ev));
  }
}

void Scheduler::handle(Completion& c) {
  emit_backend_events(c);
  if (retry_call(c)) return;
  --running_;
  int pool = pool_of(c.task);
  Task next;
  if (pool >= 0 && pools_.release(pool, &next)) {
    if (stopping_) plan_.fail(next.node);  // never started; stays unfinished for resume
    else if (!over_budget(next)) dispatch(next);
  }
  const ir::Node& node = flow_.nodes[c.task.node];
  ojson ev{{"event", "attempt"}, {"step", node.name}, {"kind", c.kind}, {"attempt", c.attempt}};
  if (event_index(c.task) >= 0) ev["index"] = event_index(c.task);
  if (c.kind == "agent") ev["agent"] = node.agent;
  if (c.kind == "review") ev["agent"] = node.checks[c.task.index].agent;
  ev["ok"] = c.ok;
  ev["duration_ms"] = c.ms;
  if (!c.output_file.empty()) ev["output"] = c.output_file;
  if (!c.prompt_file.empty()) ev["prompt"] = c.prompt_file;
  ev["output_hash"] = c.hash;
  ev["bytes"] = c.output.size();
  if (!c.store_error.empty()) {  // whatever the call did, it is not on record: not finished
    ev["ok"] = false;
    ev["error"] = c.store_error;
    emit(std::move(ev));
    return store_failed(node.name, c.store_error);
  }
  if (!c.ok) ev["error"] = c.cancelled ? "interrupted" : c.error;
  count_usage(c);
  if (c.usage.known)
    add_usage(ev, node.kind == ir::NodeKind::Gate ? node.checks[c.task.index].agent : node.agent, c.usage);
  emit(std::move(ev));
  if (c.cancelled) return;  // unfinished: resume runs it again
  if (c.kind == "human" && !c.refused) {
    std::string q = node.kind == ir::NodeKind::Gate ? node.checks[c.task.index].question : node.question;
    ojson ap{{"event", "approval"}, {"step", node.name}, {"question", q}, {"approved", c.ok},
             {"how", c.how}};
    if (!c.who.empty()) ap["who"] = c.who;
    if (!c.comment.empty()) ap["comment"] = c.comment;
    if (!c.ok && !c.feedback.empty()) ap["feedback"] = c.feedback;
    emit(std::move(ap));
  }
  if (!c.notify_error.empty()) {
    emit({{"event", "approval_notify"}, {"step", node.name}, {"ok", false},
          {"error", c.notify_error}});
  }
  if (node.kind == ir::NodeKind::Gate) return handle_gate(c);

  if (!c.ok) {
    std::string report = fmt::format("error: step `{}` failed on attempt {}: {}", node.name,
                                     c.attempt, c.error);
    // Only a file that was written (empty outputs are not): the report must not send anyone
    // looking for a file that does not exist.
    std::string out = env_.run_dir + "/" + c.output_file;
    if (!c.output_file.empty() && !c.output.empty() && access(out.c_str(), F_OK) == 0)
      report += fmt::format("\n  output: {}", out);
    report += fmt::format("\n  fix the cause, then continue with: flow resume {}", env_.run_id);
    return fail_run(node.name, c.error, report);
  }
  if (c.task.index >= 0) item_output_[c.task.node][c.task.index] = std::move(c.output);
  else output_[c.task.node] = std::move(c.output);
  output_file_[c.task.node] = c.output_file;
  if (plan_.finish_task(c.task)) node_done(c.task.node);
}

void Scheduler::node_done(uint32_t id) {
  const ir::Node& node = flow_.nodes[id];
  const NodeState& ns = plan_.node(id);
  if (node.kind == ir::NodeKind::Agent && node.is_fanout()) {
    // One combined output for the fan-out, so later prompts and reviews see every item.
    std::string all;
    for (size_t i = 0; i < ns.items.size(); ++i)
      all += fmt::format("### {} — {}\n\n{}\n", node.name, ns.items[i], item_output_[id][i]);
    output_[id] = std::move(all);
    output_file_[id] = step_file(id, ns.attempt, -1, 'i', ".output.md");
    std::string err;
    if (!output_[id].empty() && !write_file(env_.run_dir + "/" + output_file_[id], output_[id], &err))
      return store_failed(node.name, err);  // no `done`: resume rebuilds it from the items
    emit({{"event", "done"}, {"step", node.name}, {"attempt", ns.attempt},
          {"output", output_file_[id]}, {"output_hash", output_hash(output_[id])},
          {"items", ns.items.size()}});
    return;
  }
  emit({{"event", "done"}, {"step", node.name}, {"attempt", ns.attempt},
        {"output", output_file_[id]}, {"output_hash", output_hash(output_[id])}});
}

// Completing a node can make a fan-out over a step's answer ready, and choosing its items can
// complete it at once (no items): go on until neither has anything left.
void Scheduler::finish_untasked() {
  for (;;) {
    std::vector<uint32_t> needs = plan_.take_needs_items();
    for (uint32_t id : needs) choose_items(id);
    finish_untasked_once();
    if (needs.empty()) return;
  }
}

// The items of a fan-out over a step's answer: read from the step's latest output, checked
// against the cap, recorded (so a resumed run fans out over the same items) and queued. A
// malformed or over-cap list fails the step, and with it the run.
void Scheduler::choose_items(uint32_t id) {
  const ir::Node& node = flow_.nodes[id];
  const NodeState& ns = plan_.node(id);
  if (ns.items_known || ns.state != State::Ready || stopping_) return;
  auto from = by_name_.find(node.fanout_step);
  if (from == by_name_.end()) return;  // the IR was validated: not reached
  ChosenItems chosen = parse_items(output_[from->second], node.fanout_cap);
  if (!chosen.ok) {
    plan_.fail(id);
    std::string error = fmt::format("the answer of `{}` is not a usable item list: {}",
                                    node.fanout_step, chosen.error);
    std::string out = output_file_[from->second];
    return fail_run(node.name, error,
                    fmt::format("error: step `{}` fans out over the answer of `{}`, which is not a "
                                "usable item list: {}\n  the answer must list at most {} items, "
                                "one line `ITEM: ...` each{}\n  fix the cause, then continue "
                                "with: flow resume {}",
                                node.name, node.fanout_step, chosen.error, node.fanout_cap,
                                out.empty() ? "" : "\n  answer: " + env_.run_dir + "/" + out,
                                env_.run_id));
  }
  emit({{"event", "items"}, {"step", node.name}, {"attempt", ns.attempt},
        {"from", node.fanout_step}, {"cap", node.fanout_cap}, {"items", chosen.items}});
  item_output_[id].assign(chosen.items.size(), std::string());
  plan_.set_items(id, std::move(chosen.items));
}

void Scheduler::finish_untasked_once() {
  for (uint32_t id : plan_.take_untasked()) {
    const ir::Node& node = flow_.nodes[id];
    const NodeState& ns = plan_.node(id);
    if (ns.late_skip)  // decided only now, by an earlier step's outcome
      emit({{"event", "skip"}, {"step", node.name}, {"reason", ns.skip_reason}});
    if (ns.skip) continue;  // else its `skip` event was recorded when the run started
    if (node.kind == ir::NodeKind::Gate)
      gate_passed(id);  // no checks, or (resumed) every item had passed or been accepted
    else
      node_done(id);  // a fan-out with no items left to run: 0 items, or all restored
  }
}

void Scheduler::handle_gate(Completion& c) {
  const uint32_t gate = c.task.node;
  const ir::Node& node = flow_.nodes[gate];
  const ir::Check& check = node.checks[c.task.index];
  if (c.refused || (check.kind == ir::Check::Kind::Review && !c.ok)) {
    // Nobody could judge the work: that is an error, never a pass and never a rework.
    return fail_run(node.name, c.error,
                    fmt::format("error: gate `{}` on `{}` could not run its {} check: {}", node.name,
                                node.target, ir::to_string(check.kind), c.error));
  }
  bool pass = c.ok;
  std::string feedback, reason;
  if (check.kind == ir::Check::Kind::Review || check.kind == ir::Check::Kind::Verdict) {
    Verdict v = parse_verdict(c.output);
    pass = v.pass;
    feedback = v.feedback;
    reason = v.reason;
  } else if (check.kind == ir::Check::Kind::Command) {
    feedback = c.ok ? "" : "The check `" + check.command + "` failed (" + c.error.substr(0, c.error.find('\n')) +
                               "). Its output ends with:\n\n" + tail_of(c.output);
    if (!c.ok) reason = c.error.substr(0, c.error.find('\n'));
  } else {
    feedback = c.ok ? "" : (c.feedback.empty() ? "A human did not approve the work." : c.feedback);
  }
  ojson v{{"event", "verdict"}, {"gate", node.name}, {"step", node.target}, {"attempt", c.attempt},
          {"index", event_index(c.task)}, {"check", ir::to_string(check.kind)},
          {"verdict", pass ? "PASS" : "FAIL"}, {"feedback", feedback}};
  if (c.task.item >= 0) v["check_index"] = c.task.index;  // `index` is the item
  if (!reason.empty()) v["reason"] = reason;
  // The check's own call, so that one line can tell the whole check.
  if (check.kind == ir::Check::Kind::Review) v["agent"] = check.agent;
  if (check.kind == ir::Check::Kind::Command) v["command"] = check.command;
  v["duration_ms"] = c.ms;
  if (c.usage.known && c.usage.cost_known) v["cost_usd"] = c.usage.cost_usd;
  emit(std::move(v));
  const int item = c.task.item;
  if (!pass) return gate_failed(gate, item, feedback.empty() ? reason : feedback);
  if (item >= 0 ? plan_.item_check_passed(gate, item) : plan_.check_passed(gate)) gate_passed(gate);
}

void Scheduler::gate_passed(uint32_t gate) {
  const NodeState& gs = plan_.node(gate);
  emit({{"event", "gate_pass"}, {"gate", flow_.nodes[gate].name},
        {"step", flow_.nodes[gate].target}, {"attempt", gs.attempt},
        {"unapproved", gs.unapproved}});
}

// The work a gate judges, as messages name it: the gated step, or one item of its fan-out.
std::string Scheduler::judged(uint32_t gate, int item) const {
  const ir::Node& node = flow_.nodes[gate];
  if (item < 0) return fmt::format("`{}`", node.target);
  return fmt::format("item {} of `{}` ({})", item + 1, node.target,
                     plan_.node(plan_.fanout_of(gate)).items[item]);
}

void Scheduler::gate_failed(uint32_t gate, int item, const std::string& feedback) {
  if (item >= 0 ? plan_.can_send_back_item(gate, item) : plan_.can_send_back(gate))
    return send_work_back(gate, item, feedback, nullptr);
  exhausted(gate, item, feedback);
}

// A `retry` (the gate's budget allows it), or on resume a `rework` that starts a fresh budget
// (`rework_reason` says why): the gate's work, or one item of it, runs again with the feedback.
void Scheduler::send_work_back(uint32_t gate, int item, const std::string& feedback,
                               const char* rework_reason) {
  const ir::Node& node = flow_.nodes[gate];
  std::vector<uint32_t> again =
      item >= 0 ? (rework_reason ? plan_.rework_item(gate, item, feedback)
                                 : plan_.send_back_item(gate, item, feedback))
                : (rework_reason ? plan_.rework(gate, feedback) : plan_.send_back(gate, feedback));
  nlohmann::json steps = nlohmann::json::array();
  for (uint32_t m : again) steps.push_back(flow_.nodes[m].name);
  const NodeState& gs = plan_.node(gate);
  ojson ev{{"event", rework_reason ? "rework" : "retry"}, {"gate", node.name}};
  if (item >= 0) ev["index"] = item;
  if (rework_reason) ev["step"] = node.target;
  ev["attempt"] = item >= 0 ? gs.rounds[item].attempt : gs.attempt;
  ev["retries"] = node.retries;
  if (rework_reason) ev["reason"] = rework_reason;
  else ev["sent_back"] = item >= 0 ? gs.rounds[item].sent_back : gs.sent_back;
  ev["feedback"] = feedback;
  ev["steps"] = std::move(steps);
  emit(std::move(ev));
}

// Out of retries: the gate's `else` decides, for the whole work or for the one item.
void Scheduler::exhausted(uint32_t gate, int item, const std::string& feedback) {
  const ir::Node& node = flow_.nodes[gate];
  const NodeState& gs = plan_.node(gate);
  const int attempts = (item >= 0 ? gs.rounds[item].sent_back : gs.sent_back) + 1;
  const std::string what = judged(gate, item);
  bool accept = node.on_exhausted == ir::OnExhausted::Continue;
  std::string how, reply;
  if (node.on_exhausted == ir::OnExhausted::Ask) {
    std::string q = fmt::format("Gate `{}` failed {} times. Accept the last attempt of {} "
                                "anyway?", node.name, attempts, what);
    WaitSpec spec = wait_spec(node.name, "else ask");
    Answer a = waits_for_approval(node.name, q, "else ask")
                   ? wait_for_approval(spec, q, &cancel_)
                   : ask_human(spec, Question{q, question_work(gate), false}, env_.yes,
                               status_.screen(), &cancel_);
    if (a.cancelled) return;  // interrupted while waiting: unfinished, resume asks again
    if (!a.notify_error.empty())
      emit({{"event", "approval_notify"}, {"step", node.name}, {"ok", false},
            {"error", a.notify_error}});
    accept = a.approved;
    how = a.refused ? "no terminal" : a.how;
    if (!a.approved && !a.refused) reply = a.feedback;
  }
  ojson ex{{"event", "exhausted"}, {"gate", node.name}};
  if (item >= 0) ex["index"] = item;
  ex["step"] = node.target;
  ex["attempts"] = attempts;
  ex["action"] = ir::to_string(node.on_exhausted);
  ex["feedback"] = feedback;
  ex["accepted"] = accept;
  if (!how.empty()) ex["how"] = how;
  if (!reply.empty()) ex["reply"] = reply;  // why a person did not accept it: for the rework
  emit(std::move(ex));
  if (accept) {
    bool done = true;
    if (item >= 0) done = plan_.accept_item(gate, item, true);
    else plan_.accept(gate, true);
    if (done) gate_passed(gate);
    return;
  }
  std::string report = fmt::format(
      "error: gate `{}` rejected {} {} times (retries {}, else {})\n  last feedback: {}\n"
      "  to try again: flow resume {} (it sends {} back with this feedback and a fresh "
      "budget of `retries {}`; it runs the flow as compiled when the run started: edits to the "
      ".flow file do not apply)\n"
      "  to go on anyway: give the gate `else continue` in the .flow file, then start a new run "
      "with flow run",
      node.name, what, attempts, node.retries, ir::to_string(node.on_exhausted),
      feedback.empty() ? "(none)" : feedback, env_.run_id, what, node.retries);
  fail_run(node.name, "retries exhausted", report);
}

}  // namespace flow::rt

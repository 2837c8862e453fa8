// Starting tasks: composing prompts, picking backends, handing jobs to worker threads. The
// loop and the reactions to completions are in scheduler.cc.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>

#include <fmt/format.h>

#include "runtime/agent_fields.h"
#include "runtime/ask.h"
#include "runtime/scheduler.h"
#include "runtime/subprocess.h"
#include "runtime/write_guard.h"

namespace flow::rt {
namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Prompt and output files are written plainly, neither renamed nor fsynced: the `done` event
// holds the output's hash, and resume re-runs a step whose file is missing, torn or different
// (docs/runtime.md). Creating files is the dominant cost of huge runs, so an empty output is
// not written at all (its hash says it is empty): 10,000 `true` steps need no 10,000 files.
// A failed write fails the task (store_error) so that it never counts as finished.
void save(const std::string& dir, const std::string& rel, const std::string& text,
          std::string* store_error) {
  if (text.empty() || !store_error->empty()) return;
  write_file(dir + "/" + rel, text, store_error);
}

// `path` (absolute) relative to the current directory when it lies below it; "" otherwise.
std::string relative_to_cwd(const std::string& path) {
  char buf[PATH_MAX];
  if (path.empty() || !getcwd(buf, sizeof buf)) return "";
  std::string cwd = buf;
  if (path.size() <= cwd.size() + 1 || path.compare(0, cwd.size(), cwd) != 0 || path[cwd.size()] != '/')
    return "";
  return path.substr(cwd.size() + 1);
}

// Once per run: the kernel cannot confine agents' writes here, so they are checked after each
// call instead (an event, which the run's output shows).
void note_unconfined(const std::string& why, std::vector<std::string>* events) {
  static std::atomic<bool> said{false};
  if (said.exchange(true)) return;
  events->push_back(nlohmann::json{{"event", "write_scopes_unconfined"}, {"reason", why}}.dump());
}

}  // namespace

// --- jobs --------------------------------------------------------------------------------------

// The jobs below run on worker threads; they touch only their arguments and the run's files.

Scheduler::Completion Scheduler::run_shell(const std::string& dir, Cancel* cancel,
                                           ScopeTracker* scopes, Completion c,
                                           const std::string& command, const EnvVars& env) {
  int64_t t0 = now_ms();
  SubprocessSpec sp;
  sp.argv = {"/bin/sh", "-c", command};
  sp.env = env;  // inputs and outputs travel here, never inside the command text
  sp.merge_stderr = true;
  sp.record_dir = dir + "/procs";
  int scope = scopes->begin(WriteScope{true, {}});  // a command may write anywhere
  SubprocessResult r = run_subprocess(sp, cancel);
  scopes->end(scope);
  c.ms = now_ms() - t0;
  c.ok = r.ok();
  c.cancelled = r.cancelled;
  c.output = std::move(r.out);
  if (!c.ok) c.error = "`" + command + "`: " + describe_exit(r, 0) + (c.output.empty() ? "" : "\n" + tail_of(c.output));
  save(dir, c.output_file, c.output, &c.store_error);
  c.hash = output_hash(c.output);
  return c;
}

Scheduler::Completion Scheduler::run_agent(const std::string& dir, Cancel* cancel,
                                           ScopeTracker* scopes, Completion c, Backend* backend,
                                           AgentRequest& req, const WriteScope& scope,
                                           const std::string& recordings) {
  int64_t t0 = now_ms();
  save(dir, c.prompt_file, req.prompt, &c.store_error);
  if (!c.store_error.empty()) {  // no call whose prompt is not on record
    c.hash = output_hash("");
    return c;
  }
  // A real agent's writes must stay inside its write scope (write_guard.h); simulated agents
  // write nothing.
  const bool real = !backend->simulated();
  WriteGuard guard({req.agent, scope, dir, recordings, real && backend->may_change_files(req),
                    backend->confinable(), scopes});
  req.landlock_ruleset = -1;  // this call's own, set by the guard (a retried call gets anew)
  req.tmpdir.clear();
  std::string refused;
  AgentResult r;
  if (real && !guard.begin(&req, &refused)) {
    r.error = refused;
  } else {
    r = backend->call(req, cancel);
    std::string bad = real ? guard.end(r, &r.events) : "";
    if (!bad.empty()) {  // not retried: a second call would break the scope again
      r.ok = false;
      r.retryable = false;
      r.error = r.error.empty() ? bad : r.error + "\n" + bad;
    }
    if (!guard.fallback().empty()) note_unconfined(guard.fallback(), &r.events);
  }
  c.ms = now_ms() - t0;
  c.ok = r.ok && !cancel->requested();
  c.cancelled = cancel->requested();
  c.retryable = r.retryable && !c.cancelled;
  c.output = std::move(r.output);
  c.error = std::move(r.error);
  c.usage = r.usage;
  c.events = std::move(r.events);
  save(dir, c.output_file, c.output, &c.store_error);
  c.hash = output_hash(c.output);
  return c;
}

Scheduler::Completion Scheduler::run_ask(const std::string& dir, Cancel* cancel, bool yes,
                                         Completion c, const Question& q, const WaitSpec& where,
                                         bool wait, ScreenHold* screen) {
  int64_t t0 = now_ms();
  Answer a = wait ? wait_for_approval(where, q.text, cancel)
                  : ask_human(where, q, yes, screen, cancel);
  c.ms = now_ms() - t0;
  c.ok = a.approved;
  c.refused = a.refused;
  c.cancelled = a.cancelled;
  c.how = a.how;
  c.feedback = a.feedback;
  c.who = a.who;
  c.comment = a.comment;
  c.notify_error = a.notify_error;
  c.output = a.approved ? "approved (" + a.how + ")\n" + a.comment : "not approved\n" + a.feedback;
  if (a.refused && wait)
    c.error = "cannot wait for an approval: " + a.feedback;
  else if (a.refused)
    c.error = "needs a human approval (\"" + q.text + "\") but stdin is not a terminal; "
              "run it from a terminal, or pass --yes to approve automatically";
  else if (!a.approved)
    c.error = "not approved" + (a.feedback.empty() ? "" : ": " + a.feedback);
  save(dir, c.output_file, c.output, &c.store_error);
  c.hash = output_hash(c.output);
  return c;
}

// --- context -----------------------------------------------------------------------------------

Context Scheduler::upstream(uint32_t id) {
  // Breadth-first over dependencies, nearest first. Gates and skipped steps have no output of
  // their own; the walk passes through them. Bounded by the budget, so it is O(1) per prompt.
  Context c;
  const ContextBudget& b = env_.budget;
  ++seen_stamp_;
  std::vector<uint32_t> frontier(plan_.deps(id).begin(), plan_.deps(id).end());
  size_t bytes = 0, visited = 0;
  const size_t max_visits = 4 * (b.max_full + b.max_listed) + 64;
  for (size_t i = 0; i < frontier.size(); ++i) {
    uint32_t d = frontier[i];
    if (seen_[d] == seen_stamp_) continue;
    seen_[d] = seen_stamp_;
    if (++visited > max_visits) {
      c.more = true;
      break;
    }
    const ir::Node& dn = flow_.nodes[d];
    bool has_output = dn.kind != ir::NodeKind::Gate && plan_.node(d).state == State::Done;
    if (has_output && !take(c, dn.name, output_file_[d], output_[d], &bytes)) {
      c.more = true;
      break;
    }
    for (uint32_t dd : plan_.deps(d)) frontier.push_back(dd);
  }
  return c;
}

// What one review of a per-item gate judges: the item's latest output, alone.
Context Scheduler::item_work(uint32_t gate, int item) {
  Context c;
  size_t bytes = 0;
  const uint32_t fan = plan_.fanout_of(gate);
  const NodeState& fs = plan_.node(fan);
  std::string file = step_file(fan, plan_.task_attempt({fan, item}), item, 'i', ".output.md");
  if (!take(c, fmt::format("{} — {}", flow_.nodes[fan].name, fs.items[item]), file,
            item_output_[fan][item], &bytes))
    c.more = true;
  return c;
}

// How a review prompt names the work: the gated step, and for one item, which.
std::string Scheduler::work_label(const Task& t) const {
  const ir::Node& gate = flow_.nodes[t.node];
  if (t.item < 0) return gate.target;
  const NodeState& fs = plan_.node(plan_.fanout_of(t.node));
  return fmt::format("{}, item {} of {} ({})", gate.target, t.item + 1, fs.items.size(),
                     fs.items[t.item]);
}

Context Scheduler::gate_work(uint32_t gate) {
  Context c;
  size_t bytes = 0;
  for (uint32_t m : flow_.nodes[gate].members) {
    const ir::Node& mn = flow_.nodes[m];
    if (mn.kind == ir::NodeKind::Gate || plan_.node(m).state != State::Done) continue;
    if (!take(c, mn.name, output_file_[m], output_[m], &bytes)) c.more = true;
  }
  return c;
}

// Adds one output to a context: in full while the budget lasts; else listed by its absolute
// path (agents work in flow's directory, not the run's), with an excerpt when it alone was
// too big to include. False when even the list is full.
bool Scheduler::take(Context& c, const std::string& step, const std::string& file,
                     const std::string& text, size_t* bytes) const {
  const ContextBudget& b = env_.budget;
  if (c.full.size() < b.max_full && *bytes + text.size() <= b.max_bytes) {
    c.full.push_back({step, file, &text});
    *bytes += text.size();
    return true;
  }
  if (c.listed.size() >= b.max_listed) return false;
  size_t excerpts = 0;
  for (const Upstream& u : c.listed) excerpts += u.text ? 1 : 0;
  // Only an output that is itself longer than an excerpt: a short one is cheap to open, and
  // huge flows (whose listed outputs are many and short) keep prompts of the same size.
  bool too_big = c.full.size() < b.max_full && excerpts < kMaxExcerpts &&
                 text.size() > kExcerptHead + kExcerptTail;
  c.listed.push_back({step, env_.run_dir + "/" + file, too_big ? &text : nullptr});
  return true;
}

// --- dispatch ----------------------------------------------------------------------------------

void Scheduler::fill() {
  Task t;
  while (!stopping_ && running_ < env_.jobs && plan_.pop_ready(&t)) {
    if (over_budget(t)) break;
    int pool = pool_of(t);
    if (pool >= 0 && !pools_.acquire(pool, t)) continue;  // delayed, not failed
    dispatch(t);
  }
}

void Scheduler::submit(const Completion& base, std::function<Completion(Completion)> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (workers_.size() < static_cast<size_t>(env_.jobs) &&
        workers_.size() < static_cast<size_t>(running_) + 1)
      workers_.emplace_back([this] { worker_main(); });
    jobs_.emplace_back(base, std::move(job));
  }
  work_cv_.notify_one();
}

void Scheduler::worker_main() {
  for (;;) {
    std::pair<Completion, std::function<Completion(Completion)>> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return quit_ || !jobs_.empty(); });
      if (quit_ && jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Completion c = job.first;
    try {
      c = job.second(std::move(job.first));
    } catch (const std::exception& e) {  // a backend must not take the whole run down
      c.ok = false;
      c.error = std::string("internal error: ") + e.what();
    }
    if (!c.ok && c.retryable && c.call <= c.retry.retries) c.job = std::move(job.second);
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back(std::move(c));
    }
    done_cv_.notify_one();
  }
}

void Scheduler::dispatch(const Task& t) {
  const ir::Node& node = flow_.nodes[t.node];
  ++running_;
  Completion base;
  base.task = t;
  base.attempt = plan_.task_attempt(t);
  if (is_call(t)) ++env_.spent.calls;  // counted when started, as `rule at most N calls` counts
  ojson ev{{"event", "dispatch"}, {"step", node.name}, {"stage", node.stage}};
  ev["attempt"] = base.attempt;
  if (node.kind == ir::NodeKind::Gate) {
    ev["index"] = event_index(t);
    dispatch_gate(t, std::move(base), std::move(ev));
  } else {
    if (t.index >= 0) ev["index"] = t.index;
    dispatch_step(t, std::move(base), std::move(ev));
  }
}

// A check of a gate: a command, a person, or a reviewing agent.
void Scheduler::dispatch_gate(const Task& t, Completion base, ojson ev) {
  const ir::Node& node = flow_.nodes[t.node];
  const ir::Check& check = node.checks[t.index];
  const int attempt = base.attempt;
  // A per-item gate's check of item K: GATE.aN.iK.cC (N counts its evaluations of the item).
  auto file = [&](const char* suffix) {
    if (t.item < 0) return step_file(t.node, attempt, t.index, 'c', suffix);
    return step_file(t.node, attempt, t.item, 'i', fmt::format(".c{}{}", t.index, suffix).c_str());
  };
  base.output_file = file(".output.md");
  if (check.kind == ir::Check::Kind::Command) {
    submit_shell(std::move(base), std::move(ev), "check", check.command, command_env(t.node));
    return;
  }
  if (check.kind == ir::Check::Kind::Human) {
    std::string q = check.question.empty() ? "Approve the work of `" + node.target + "`?"
                                           : check.question;
    submit_ask(std::move(base), std::move(ev), std::move(q), true);
    return;
  }
  if (check.kind == ir::Check::Kind::Verdict) {
    // No call: the judged step has answered already; its output is what the check reads.
    base.kind = "verdict";
    ev["kind"] = "verdict";
    emit(std::move(ev));
    auto it = by_name_.find(check.step);
    std::string answer = it == by_name_.end() ? "" : output_[it->second];
    base.output_file = it == by_name_.end() ? "" : output_file_[it->second];
    submit(base, [answer = std::move(answer)](Completion c) {
      c.ok = true;
      c.output = answer;
      c.hash = output_hash(c.output);
      return c;
    });
    return;
  }
  base.kind = "review";
  const ir::Agent* reviewer = flow_.find_agent(check.agent);
  ir::Agent fallback;
  fallback.name = check.agent;
  if (!reviewer) reviewer = &fallback;
  Backend* backend = agent_backend(*reviewer, "review", base, std::move(ev));
  if (!backend) return;
  base.prompt_file = file(".prompt.md");
  Context work = t.item < 0 ? gate_work(t.node) : item_work(t.node, t.item);
  std::string task = compose_review_task_after(inputs_text_, work_label(t), work, attempt);
  AgentRequest req{flow_.name, env_.run_id, env_.run_dir, node.name, node.target,
                   reviewer->name, router_.model_name(reviewer->model), reviewer->role, true,
                   attempt, event_index(t), review_prompt_with_task(*reviewer, task),
                   env_.run_dir + "/" + base.prompt_file};
  req.item_review = t.item >= 0;
  if (!backend->simulated()) {
    set_agent_fields(*reviewer, &req);
    req.system_prompt = agent_instructions(*reviewer);
    req.user_message = as_user_message(std::move(task));
  }
  submit_agent(std::move(base), backend, std::move(req), write_scope_of(*reviewer));
}

// A step of its own: a command, an approval, or an agent call (one item of a fan-out).
void Scheduler::dispatch_step(const Task& t, Completion base, ojson ev) {
  const ir::Node& node = flow_.nodes[t.node];
  const NodeState& ns = plan_.node(t.node);
  const int attempt = base.attempt;  // a fan-out item's own
  base.output_file = step_file(t.node, attempt, t.index, 'i', ".output.md");
  if (node.kind == ir::NodeKind::Command) {
    submit_shell(std::move(base), std::move(ev), "command", node.command, command_env(t.node));
    return;
  }
  if (node.kind == ir::NodeKind::Human) {
    std::string q = node.question.empty() ? "Approve step `" + node.name + "`?" : node.question;
    submit_ask(std::move(base), std::move(ev), std::move(q), false);
    return;
  }
  base.kind = "agent";
  const ir::Agent* agent = flow_.find_agent(node.agent);
  ir::Agent fallback;
  fallback.name = node.agent;
  if (!agent) agent = &fallback;
  Backend* backend = agent_backend(*agent, "agent", base, std::move(ev));
  if (!backend) return;
  std::string focus = node.focus;
  if (t.index >= 0) focus = (focus.empty() ? "" : focus + "\n\n") + ns.items[t.index];
  std::string protocol = step_instructions(t.node);
  if (!protocol.empty()) focus = (focus.empty() ? "" : focus + "\n\n") + protocol;
  base.prompt_file = step_file(t.node, attempt, t.index, 'i', ".prompt.md");
  Context context = upstream(t.node);
  // Composed once for both the prompt file and a real backend's user message.
  const std::string& feedback = t.index >= 0 ? plan_.item_feedback(t.node, t.index) : ns.feedback;
  std::string task = compose_task_after(inputs_text_, context, focus, feedback);
  AgentRequest req{flow_.name, env_.run_id, env_.run_dir, node.name, "", agent->name,
                   router_.model_name(agent->model), agent->role, false, attempt, t.index,
                   prompt_with_task(*agent, task), env_.run_dir + "/" + base.prompt_file};
  req.item_cap = item_cap_[t.node];
  if (!judged_by_[t.node].empty()) {
    req.verdict_gate = judged_by_[t.node];
    req.target = flow_.nodes[by_name_.at(req.verdict_gate)].target;
  }
  // `{item}` in the agent's `writes`: this item's call may write only under its own name.
  const std::string* item = t.index >= 0 ? &ns.items[t.index] : nullptr;
  if (!backend->simulated()) {
    set_agent_fields(*agent, &req);
    if (item)
      for (std::string& w : req.writes) w = ir::writes_for_item(w, *item);
    req.system_prompt = agent_instructions(*agent);
    req.user_message = as_user_message(std::move(task));
  }
  WriteScope scope = write_scope_of(*agent);
  if (item)
    for (std::string& g : scope.globs) g = ir::writes_for_item(g, *item);
  submit_agent(std::move(base), backend, std::move(req), std::move(scope));
}

// What a step's answer must contain beyond its work, for a fan-out over it (`ITEM:` lines) and
// for a `check verdict` on it (a verdict line); "" for most steps.
std::string Scheduler::step_instructions(uint32_t id) const {
  std::string out;
  if (item_cap_[id] > 0)
    out += fmt::format("List what you choose one per line, each line reading `ITEM: ` and then "
                       "the item, at most {} items (no item line means none).", item_cap_[id]);
  if (!judged_by_[id].empty())
    out += std::string(out.empty() ? "" : "\n\n") +
           "End your answer with the line `VERDICT: PASS` when the work passes, or "
           "`VERDICT: FAIL` followed by what must change.";
  return out;
}

// The backend that runs `agent`, after the dispatch event that names it. Null when the router
// has none: the task is then completed at once with the router's error.
Backend* Scheduler::agent_backend(const ir::Agent& agent, const char* kind, Completion& base,
                                  ojson ev) {
  std::string err;
  Backend* backend = router_.get(agent.name, agent.model, &err);
  ev["kind"] = kind;
  ev["agent"] = agent.name;
  ev["model"] = agent.model;
  ev["backend"] = router_.name_for(agent.name, agent.model);
  emit(std::move(ev));
  if (!backend) {
    base.error = err;
    submit(base, [](Completion c) { return c; });
    return nullptr;
  }
  base.retry = backend->retry_policy();
  return backend;
}

void Scheduler::submit_shell(Completion base, ojson ev, const char* kind, std::string command,
                             EnvVars env) {
  base.kind = kind;
  ev["kind"] = kind;
  emit(std::move(ev));
  submit(base, [dir = env_.run_dir, cancel = &cancel_, scopes = &scopes_,
                cmd = std::move(command), env = std::move(env)](Completion c) {
    return run_shell(dir, cancel, scopes, std::move(c), cmd, env);
  });
}

// What a command (a `run` step or a `check` gate) sees of the run (docs/runtime.md,
// "Commands"): each input as FLOW_INPUT_<NAME>, and the output of each finished step upstream
// as a file named by FLOW_OUTPUT_<STEP> (/dev/null for an empty output, which has no file).
// Values are never put into the command's text, so what an input holds cannot run.
Scheduler::EnvVars Scheduler::command_env(uint32_t id) {
  EnvVars env{{"FLOW_RUN_ID", env_.run_id}, {"FLOW_RUN_DIR", env_.run_dir},
              {"FLOW_STEP", flow_.nodes[id].name}};
  for (const auto& [name, value] : env_.inputs)
    env.emplace_back("FLOW_INPUT_" + ir::env_suffix(name),
                     value.is_string() ? value.get<std::string>() : value.dump());
  // Breadth-first over dependencies, as for an agent's context, but paths are cheap: every
  // finished step up to kMaxOutputs (a bound on the environment's size).
  constexpr size_t kMaxOutputs = 1000;
  ++seen_stamp_;
  std::vector<uint32_t> frontier(plan_.deps(id).begin(), plan_.deps(id).end());
  size_t outputs = 0;
  for (size_t i = 0; i < frontier.size() && outputs < kMaxOutputs; ++i) {
    uint32_t d = frontier[i];
    if (seen_[d] == seen_stamp_) continue;
    seen_[d] = seen_stamp_;
    const ir::Node& dn = flow_.nodes[d];
    if (dn.kind != ir::NodeKind::Gate && plan_.node(d).state == State::Done) {
      std::string path = output_[d].empty() || output_file_[d].empty()
                             ? std::string("/dev/null")
                             : env_.run_dir + "/" + output_file_[d];
      env.emplace_back("FLOW_OUTPUT_" + ir::env_suffix(dn.name), std::move(path));
      ++outputs;
    }
    for (uint32_t dd : plan_.deps(d)) frontier.push_back(dd);
  }
  return env;
}

// Where the question of `step` is recorded (approvals.h).
WaitSpec Scheduler::wait_spec(const std::string& step, const char* kind) const {
  auto it = by_name_.find(step);
  std::string stage = it == by_name_.end() ? "" : flow_.nodes[it->second].stage;
  return {env_.run_id, env_.run_dir, step, kind, stage, env_.approvals_notify};
}

// Without a terminal, and when the run waits for approvals: records the wait (an
// `approval_wait` event) and says where the answer comes from.
bool Scheduler::waits_for_approval(const std::string& step, const std::string& question,
                                   const char* kind) {
  if (env_.yes || !env_.wait_approvals || terminal_available()) return false;
  emit({{"event", "approval_wait"}, {"step", step}, {"question", question}, {"kind", kind},
        {"run", env_.run_id}});
  return true;
}

// The outputs a question is about: a gate's work, or what an approval step follows.
std::vector<WorkShown> Scheduler::question_work(uint32_t id) {
  const ir::Node& node = flow_.nodes[id];
  Context c = node.kind == ir::NodeKind::Gate ? gate_work(id) : upstream(id);
  std::vector<WorkShown> out;
  for (const Upstream& u : c.full) {
    if (out.size() == 2) break;
    out.push_back({u.step, u.text && !u.text->empty() ? env_.run_dir + "/" + u.file : "",
                   u.text ? *u.text : ""});
  }
  return out;
}

void Scheduler::submit_ask(Completion base, ojson ev, std::string question, bool gate) {
  base.kind = "human";
  ev["kind"] = "human";
  emit(std::move(ev));
  const uint32_t id = base.task.node;
  const char* kind = gate ? "gate" : "step";
  Question q{std::move(question), question_work(id), gate};
  bool wait = waits_for_approval(flow_.nodes[id].name, q.text, kind);
  submit(base, [dir = env_.run_dir, cancel = &cancel_, yes = env_.yes, q = std::move(q), wait,
                where = wait_spec(flow_.nodes[id].name, kind),
                screen = status_.screen()](Completion c) {
    return run_ask(dir, cancel, yes, std::move(c), q, where, wait, screen);
  });
}

void Scheduler::submit_agent(Completion base, Backend* backend, AgentRequest req,
                             WriteScope scope) {
  // `flow run --record DIR` writes recordings during the calls: not the agents' changes.
  submit(base, [dir = env_.run_dir, cancel = &cancel_, scopes = &scopes_, backend,
                req = std::move(req), scope = std::move(scope),
                recordings = relative_to_cwd(router_.api.record_dir)](Completion c) mutable {
    return run_agent(dir, cancel, scopes, std::move(c), backend, req, scope, recordings);
  });
}

}  // namespace flow::rt

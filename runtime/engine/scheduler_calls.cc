// What each finished call changes: its `attempt` event, a retry of a failed backend call, the
// outputs, the plan, and the events of the nodes it completes. Gates are in scheduler_gates.cc.
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "runtime/engine/backoff.h"
#include "runtime/engine/items.h"
#include "runtime/engine/scheduler.h"
#include "runtime/backends/usage.h"

namespace flow::rt {

// A failed backend call is tried again as its backend's policy says (docs/config.md), in the
// same job slot and pool slot. Never after an interrupt, and not once the run is stopping.
bool Scheduler::retry_call(Finished& f) {
  const Call& c = f.call;
  const CallResult& r = f.result;
  if (r.ok || r.cancelled || !r.retryable || c.number > c.retry.retries || loop_.stopping ||
      cancel_.requested())
    return false;
  const int64_t delay = retry_delay_ms(c.retry, c.number);
  emit(ev::CallRetry{place_of(c), c.number, c.retry.retries + 1, r.error, delay});
  Call next = std::move(f.call);
  ++next.number;
  next.delay_ms = delay;
  runner_->start(std::move(next));
  return true;
}

ev::CallPlace Scheduler::place_of(const Call& c) const {
  ev::CallPlace at{.step = flow().nodes[c.task.node].name, .kind = to_string(c.kind), .attempt = c.attempt};
  if (event_index(c.task) >= 0) at.index = event_index(c.task);
  return at;
}

// The backend's own events of one call (AgentResult::events), placed with the call's step.
// A text that is no backend event this version knows is left out.
void Scheduler::emit_backend_events(const Finished& f) {
  for (const std::string& text : f.result.events) {
    BackendEvent given;
    if (!parse_backend_event(text, &given)) continue;
    std::visit(
        [&](auto& e) {
          e.at = place_of(f.call);
          emit(std::move(e));
        },
        given);
  }
}

void Scheduler::handle(Finished& f) {
  emit_backend_events(f);
  if (retry_call(f)) return;
  --loop_.running;
  int pool = pool_of(f.call.task);
  Task next;
  if (pool >= 0 && pools_.release(pool, &next)) {
    if (loop_.stopping) plan_.fail(next.node);  // never started; stays unfinished for resume
    else if (!over_budget(next)) dispatch(next);
  }
  const Call& c = f.call;
  CallResult& r = f.result;
  const ir::Node& node = flow().nodes[c.task.node];
  ev::Attempt a{.at = place_of(c)};
  // The agent node's agent or the check's reviewer; "" for other calls.
  uint32_t agent_id = ir::kNoId;
  if (const ir::AgentCall* call = node.if_agent_call()) agent_id = call->agent;
  else if (const ir::Gate* g = node.if_gate(); g && c.task.index >= 0)
    agent_id = g->checks[c.task.index].agent;
  const std::string& agent = flow().agent_name(agent_id);
  if (c.kind == CallKind::Agent || c.kind == CallKind::Review || r.usage.known) a.agent = agent;
  a.ok = r.ok;
  a.duration_ms = r.ms;
  if (!c.output_file.empty()) a.output = c.output_file;
  if (!c.prompt_file.empty()) a.prompt = c.prompt_file;
  a.output_hash = r.hash;
  a.bytes = static_cast<int64_t>(r.output.size());
  if (!r.store_error.empty()) {  // whatever the call did, it is not on record: not finished
    a.ok = false;
    a.error = r.store_error;
    emit(std::move(a));
    return store_failed(node.name, r.store_error);
  }
  if (!r.ok) a.error = r.cancelled ? "interrupted" : r.error;
  count_usage(f);
  a.usage = call_usage(r.usage);
  emit(std::move(a));
  if (r.cancelled) return;  // unfinished: resume runs it again
  record_approval(f);
  if (node.kind() == ir::NodeKind::Gate) return handle_gate(f);
  if (!r.ok) return step_failed(f);
  if (c.task.index >= 0) outputs_.items[c.task.node][c.task.index] = std::move(r.output);
  else outputs_.text[c.task.node] = std::move(r.output);
  outputs_.file[c.task.node] = c.output_file;
  if (plan_.finish_task(c.task)) node_done(c.task.node);
}

// A person's answer (or the notify hook's failure), recorded beside the call's `attempt`.
void Scheduler::record_approval(const Finished& f) {
  const Call& c = f.call;
  const CallResult& r = f.result;
  const ir::Node& node = flow().nodes[c.task.node];
  if (c.kind == CallKind::Human && !r.refused) {
    const Answer& a = r.answer;
    ev::Approval ap{.step = node.name, .question = c.ask.question.text, .approved = r.ok, .how = a.how};
    if (!a.who.empty()) ap.who = a.who;
    if (!a.comment.empty()) ap.comment = a.comment;
    if (!r.ok && !a.feedback.empty()) ap.feedback = a.feedback;
    emit(std::move(ap));
  }
  if (!r.answer.notify_error.empty())
    emit(ev::ApprovalNotify{node.name, false, r.answer.notify_error});
}

void Scheduler::step_failed(const Finished& f) {
  const Call& c = f.call;
  const CallResult& r = f.result;
  const ir::Node& node = flow().nodes[c.task.node];
  std::string report = fmt::format("error: step `{}` failed on attempt {}: {}", node.name,
                                   c.attempt, r.error);
  // Only a file that was written (empty outputs are not): the report must not send anyone
  // looking for a file that does not exist.
  std::string out = env_.run_dir + "/" + c.output_file;
  if (!c.output_file.empty() && !r.output.empty() && access(out.c_str(), F_OK) == 0)
    report += fmt::format("\n  output: {}", out);
  report += fmt::format("\n  fix the cause, then continue with: flow resume {}", env_.run_id);
  fail_run(node.name, r.error, report);
}

void Scheduler::node_done(uint32_t id) {
  const ir::Node& node = flow().nodes[id];
  const NodeState& ns = plan_.node(id);
  if (node.kind() == ir::NodeKind::Agent && node.is_fanout()) {
    // One combined output for the fan-out, so later prompts and reviews see every item.
    std::string all;
    for (size_t i = 0; i < ns.items.size(); ++i)
      all += fmt::format("### {} — {}\n\n{}\n", node.name, ns.items[i], outputs_.items[id][i]);
    outputs_.text[id] = std::move(all);
    outputs_.file[id] = composer_.step_file(id, ns.attempt, -1, 'i', ".output.md");
    std::string err;
    if (!outputs_.text[id].empty() && !write_file(env_.run_dir + "/" + outputs_.file[id], outputs_.text[id], &err))
      return store_failed(node.name, err);  // no `done`: resume rebuilds it from the items
    emit(ev::Done{node.name, ns.attempt, outputs_.file[id], output_hash(outputs_.text[id]),
                  static_cast<int64_t>(ns.items.size())});
    return;
  }
  emit(ev::Done{.step = node.name, .attempt = ns.attempt, .output = outputs_.file[id],
                .output_hash = output_hash(outputs_.text[id])});
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
  const ir::Node& node = flow().nodes[id];
  const NodeState& ns = plan_.node(id);
  if (ns.items_known || ns.state != State::Ready || loop_.stopping) return;
  const uint32_t from = node.agent_call().fanout_step;
  if (from >= flow().nodes.size()) return;  // the IR was validated: not reached
  const std::string& from_name = flow().nodes[from].name;
  ChosenItems chosen = parse_items(outputs_.text[from], node.agent_call().fanout_cap);
  if (!chosen.ok) {
    plan_.fail(id);
    std::string error = fmt::format("the answer of `{}` is not a usable item list: {}",
                                    from_name, chosen.error);
    std::string out = outputs_.file[from];
    return fail_run(node.name, error,
                    fmt::format("error: step `{}` fans out over the answer of `{}`, which is not a "
                                "usable item list: {}\n  the answer must list at most {} items, "
                                "one line `ITEM: ...` each{}\n  fix the cause, then continue "
                                "with: flow resume {}",
                                node.name, from_name, chosen.error, node.agent_call().fanout_cap,
                                out.empty() ? "" : "\n  answer: " + env_.run_dir + "/" + out,
                                env_.run_id));
  }
  emit(ev::Items{node.name, ns.attempt, from_name, node.agent_call().fanout_cap, chosen.items});
  outputs_.items[id].assign(chosen.items.size(), std::string());
  plan_.set_items(id, std::move(chosen.items));
}

void Scheduler::finish_untasked_once() {
  for (uint32_t id : plan_.take_untasked()) {
    const ir::Node& node = flow().nodes[id];
    const NodeState& ns = plan_.node(id);
    if (ns.late_skip)  // decided only now, by an earlier step's outcome
      emit(ev::Skip{node.name, ns.skip_reason});
    if (ns.skip) continue;  // else its `skip` event was recorded when the run started
    if (node.kind() == ir::NodeKind::Gate)
      gate_passed(id);  // no checks, or (resumed) every item had passed or been accepted
    else
      node_done(id);  // a fan-out with no items left to run: 0 items, or all restored
  }
}

}  // namespace flow::rt

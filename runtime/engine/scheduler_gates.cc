// Gates: a check's verdict, and what follows it: the gate passes, the work (or one item of it)
// goes back with the feedback, or, its retries used up, the gate's `else` decides.
#include <fmt/format.h>

#include "runtime/engine/scheduler.h"
#include "runtime/processes/subprocess.h"
#include "runtime/engine/verdict.h"

namespace flow::rt {

void Scheduler::handle_gate(Finished& f) {
  const Call& c = f.call;
  const CallResult& r = f.result;
  const uint32_t gate = c.task.node;
  const ir::Node& node = flow().nodes[gate];
  const ir::Check& check = node.gate().checks[c.task.index];
  if (r.refused || (check.kind == ir::Check::Kind::Review && !r.ok)) {
    // Nobody could judge the work: that is an error, never a pass and never a rework.
    return fail_run(node.name, r.error,
                    fmt::format("error: gate `{}` on `{}` could not run its {} check: {}", node.name,
                                node.gate().target, ir::to_string(check.kind), r.error));
  }
  bool pass = r.ok;
  std::string feedback, reason;
  if (check.kind == ir::Check::Kind::Review || check.kind == ir::Check::Kind::Verdict) {
    Verdict v = parse_verdict(r.output);
    pass = v.pass;
    feedback = v.feedback;
    reason = v.reason;
  } else if (check.kind == ir::Check::Kind::Command) {
    feedback = r.ok ? "" : "The check `" + check.command + "` failed (" + r.error.substr(0, r.error.find('\n')) +
                               "). Its output ends with:\n\n" + tail_of(r.output);
    if (!r.ok) reason = r.error.substr(0, r.error.find('\n'));
  } else {
    feedback = r.ok ? "" : (r.answer.feedback.empty() ? "A human did not approve the work." : r.answer.feedback);
  }
  ev::Verdict v{.gate = node.name, .step = node.gate().target, .attempt = c.attempt,
                .index = event_index(c.task), .check = ir::to_string(check.kind),
                .verdict = pass ? "PASS" : "FAIL", .feedback = feedback};
  if (c.task.item >= 0) v.check_index = c.task.index;  // `index` is the item
  if (!reason.empty()) v.reason = reason;
  // The check's own call, so that one line can tell the whole check.
  if (check.kind == ir::Check::Kind::Review) v.agent = flow().agent_name(check.agent);
  if (check.kind == ir::Check::Kind::Command) v.command = check.command;
  v.duration_ms = r.ms;
  if (r.usage.known && r.usage.cost_known) v.cost_usd = r.usage.cost_usd;
  emit(std::move(v));
  const int item = c.task.item;
  if (!pass) return gate_failed(gate, item, feedback.empty() ? reason : feedback);
  if (item >= 0 ? plan_.item_check_passed(gate, item) : plan_.check_passed(gate)) gate_passed(gate);
}

void Scheduler::gate_passed(uint32_t gate) {
  const NodeState& gs = plan_.node(gate);
  emit(ev::GatePass{flow().nodes[gate].name, flow().nodes[gate].gate().target, gs.attempt, gs.unapproved});
}

// The work a gate judges, as messages name it: the gated step, or one item of its fan-out.
std::string Scheduler::judged(uint32_t gate, int item) const {
  const ir::Node& node = flow().nodes[gate];
  if (item < 0) return fmt::format("`{}`", node.gate().target);
  return fmt::format("item {} of `{}` ({})", item + 1, node.gate().target,
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
  const ir::Node& node = flow().nodes[gate];
  if (gate == env_.only_node) loop_.node_sent_back = true;
  std::vector<uint32_t> again =
      item >= 0 ? (rework_reason ? plan_.rework_item(gate, item, feedback)
                                 : plan_.send_back_item(gate, item, feedback))
                : (rework_reason ? plan_.rework(gate, feedback) : plan_.send_back(gate, feedback));
  std::vector<std::string> steps;
  for (uint32_t m : again) steps.push_back(flow().nodes[m].name);
  const NodeState& gs = plan_.node(gate);
  std::optional<int64_t> index;
  if (item >= 0) index = item;
  const int64_t attempt = item >= 0 ? gs.rounds[item].attempt : gs.attempt;
  if (rework_reason)
    return void(emit(ev::Rework{node.name, index, node.gate().target, attempt, node.gate().retries,
                                rework_reason, feedback, std::move(steps)}));
  emit(ev::Retry{node.name, index, attempt, node.gate().retries,
                 item >= 0 ? gs.rounds[item].sent_back : gs.sent_back, feedback, std::move(steps)});
}

// Out of retries: the gate's `else` decides, for the whole work or for the one item.
void Scheduler::exhausted(uint32_t gate, int item, const std::string& feedback) {
  const ir::Node& node = flow().nodes[gate];
  const NodeState& gs = plan_.node(gate);
  const int attempts = (item >= 0 ? gs.rounds[item].sent_back : gs.sent_back) + 1;
  const std::string what = judged(gate, item);
  bool accept = node.gate().on_exhausted == ir::OnExhausted::Continue;
  std::string how, reply;
  if (node.gate().on_exhausted == ir::OnExhausted::Ask) {
    std::string q = fmt::format("Gate `{}` failed {} times. Accept the last attempt of {} "
                                "anyway?", node.name, attempts, what);
    WaitSpec spec = composer_.wait_spec(node.name, "else ask");
    Answer a;
    if (composer_.waits_for_approval()) {
      emit(ev::ApprovalWait{node.name, q, "else ask", env_.run_id});
      a = wait_for_approval(spec, q, &cancel_);
    } else {
      a = ask_human(spec, Question{q, composer_.question_work(gate), false}, env_.yes,
                    record_.status.screen(), &cancel_);
    }
    if (a.cancelled) return;  // interrupted while waiting: unfinished, resume asks again
    if (!a.notify_error.empty())
      emit(ev::ApprovalNotify{node.name, false, a.notify_error});
    accept = a.approved;
    how = a.refused ? "no terminal" : a.how;
    if (!a.approved && !a.refused) reply = a.feedback;
  }
  ev::Exhausted ex{.gate = node.name};
  if (item >= 0) ex.index = item;
  ex.step = node.gate().target;
  ex.attempts = attempts;
  ex.action = ir::to_string(node.gate().on_exhausted);
  ex.feedback = feedback;
  ex.accepted = accept;
  if (!how.empty()) ex.how = how;
  if (!reply.empty()) ex.reply = reply;  // why a person did not accept it: for the rework
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
      node.name, what, attempts, node.gate().retries, ir::to_string(node.gate().on_exhausted),
      feedback.empty() ? "(none)" : feedback, env_.run_id, what, node.gate().retries);
  fail_run(node.name, "retries exhausted", report);
}

}  // namespace flow::rt

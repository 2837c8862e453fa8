#include "runtime/engine/compose.h"

#include <algorithm>

#include <fmt/format.h>

#include "runtime/backends/agent_fields.h"
#include "runtime/store/run_store.h"

namespace flow::rt {

Composer::Composer(ComposeEnv env, const Plan& plan, const Outputs& outputs, Router& router)
    : env_(std::move(env)), inputs_text_(inputs_section(env_.inputs)), plan_(plan),
      flow_(plan.flow()), outputs_(outputs), router_(router) {
  const size_t n = flow_.nodes.size();
  seen_.assign(n, 0);
  item_cap_.assign(n, 0);
  judged_by_.resize(n);
  for (const ir::Node& node : flow_.nodes) by_name_[node.name] = node.id;
  for (const ir::Node& node : flow_.nodes) {
    if (uint32_t from = node.fanout_step(); from < n)
      item_cap_[from] = std::max(item_cap_[from], node.agent_call().fanout_cap);
    if (const ir::Gate* g = node.if_gate())
      for (const ir::Check& c : g->checks)
        if (c.kind == ir::Check::Kind::Verdict && c.step < n) judged_by_[c.step] = node.name;
  }
}

uint32_t Composer::node_named(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? UINT32_MAX : it->second;
}

std::string Composer::step_file(uint32_t id, int attempt, int index, char tag,
                                const char* suffix) const {
  std::string s = "steps/" + file_safe(flow_.nodes[id].name) + ".a" + std::to_string(attempt);
  if (index >= 0) s += std::string(".") + tag + std::to_string(index);
  return s + suffix;
}

Composed Composer::compose(const Task& t) {
  Composed c;
  c.call.task = t;
  c.call.attempt = plan_.task_attempt(t);
  if (flow_.nodes[t.node].kind() == ir::NodeKind::Gate) compose_gate(t, c);
  else compose_step(t, c);
  if (c.names.kind.empty()) c.names.kind = to_string(c.call.kind);
  return c;
}

// The agent of a call, its backend (after the dispatch event's fields that name them) and the
// backend's retry policy. Without a backend the call fails with the router's error.
void Composer::compose_agent(const ir::Agent& agent, const char* kind, Composed& c) {
  std::string err;
  Backend* backend = router_.get(agent.name, agent.model, &err);
  c.names.kind = kind;
  c.names.agent = agent.name;
  c.names.model = agent.model;
  c.names.backend = router_.name_for(agent.name, agent.model);
  c.call.agent.backend = backend;
  c.call.agent.recordings = env_.recordings;
  if (!backend) c.call.error = err;
  else c.call.retry = backend->retry_policy();
}

// A check of a gate: a command, a person, a verdict already given, or a reviewing agent.
void Composer::compose_gate(const Task& t, Composed& c) {
  const ir::Node& node = flow_.nodes[t.node];
  const ir::Check& check = node.gate().checks[t.index];
  const int attempt = c.call.attempt;
  // A per-item gate's check of item K: GATE.aN.iK.cC (N counts its evaluations of the item).
  auto file = [&](const char* suffix) {
    if (t.item < 0) return step_file(t.node, attempt, t.index, 'c', suffix);
    return step_file(t.node, attempt, t.item, 'i', fmt::format(".c{}{}", t.index, suffix).c_str());
  };
  c.call.output_file = file(".output.md");
  if (check.kind == ir::Check::Kind::Command) {
    c.call.kind = CallKind::Check;
    c.call.shell = {check.command, command_env(t.node)};
    return;
  }
  if (check.kind == ir::Check::Kind::Human) {
    std::string q = check.question.empty() ? "Approve the work of `" + node.gate().target + "`?"
                                           : check.question;
    return compose_ask(t.node, std::move(q), true, c);
  }
  if (check.kind == ir::Check::Kind::Verdict) {
    // No call: the judged step has answered already; its output is what the check reads.
    c.call.kind = CallKind::Verdict;
    const uint32_t judged = check.step;
    const bool known = judged < flow_.nodes.size();
    c.call.answer = known ? outputs_.text[judged] : "";
    c.call.output_file = known ? outputs_.file[judged] : "";
    return;
  }
  c.call.kind = CallKind::Review;
  const ir::Agent* reviewer =
      check.agent < flow_.agents.size() ? &flow_.agents[check.agent] : nullptr;
  ir::Agent fallback;
  fallback.name = flow_.agent_name(check.agent);
  if (!reviewer) reviewer = &fallback;
  compose_agent(*reviewer, "review", c);
  if (!c.call.agent.backend) return;
  c.call.prompt_file = file(".prompt.md");
  Context work = t.item < 0 ? gate_work(t.node) : item_work(t.node, t.item);
  std::string task = compose_review_task_after(inputs_text_, work_label(t), work, attempt);
  AgentRequest req{flow_.name, env_.run_id, env_.run_dir, node.name, node.gate().target,
                   reviewer->name, router_.model_name(reviewer->model), reviewer->role, true,
                   attempt, t.item >= 0 ? t.item : t.index, review_prompt_with_task(*reviewer, task),
                   env_.run_dir + "/" + c.call.prompt_file};
  req.item_review = t.item >= 0;
  if (!c.call.agent.backend->simulated()) {
    set_agent_fields(*reviewer, &req);
    req.system_prompt = agent_instructions(*reviewer);
    req.user_message = as_user_message(std::move(task));
  }
  c.call.agent.request = std::move(req);
  c.call.agent.scope = write_scope_of(*reviewer);
}

// A step of its own: a command, an approval, or an agent call (one item of a fan-out).
void Composer::compose_step(const Task& t, Composed& c) {
  const ir::Node& node = flow_.nodes[t.node];
  const NodeState& ns = plan_.node(t.node);
  const int attempt = c.call.attempt;  // a fan-out item's own
  c.call.output_file = step_file(t.node, attempt, t.index, 'i', ".output.md");
  if (node.kind() == ir::NodeKind::Command) {
    c.call.kind = CallKind::Command;
    c.call.shell = {node.command_run().command, command_env(t.node)};
    return;
  }
  if (node.kind() == ir::NodeKind::Human) {
    const std::string& question = node.approval().question;
    std::string q = question.empty() ? "Approve step `" + node.name + "`?" : question;
    return compose_ask(t.node, std::move(q), false, c);
  }
  c.call.kind = CallKind::Agent;
  const ir::Agent* agent = flow_.agent_of(node);
  ir::Agent fallback;
  fallback.name = flow_.agent_name(node.agent_call().agent);
  if (!agent) agent = &fallback;
  compose_agent(*agent, "agent", c);
  if (!c.call.agent.backend) return;
  std::string focus = node.agent_call().focus;
  if (t.index >= 0) focus = (focus.empty() ? "" : focus + "\n\n") + ns.items[t.index];
  std::string protocol = step_instructions(t.node);
  if (!protocol.empty()) focus = (focus.empty() ? "" : focus + "\n\n") + protocol;
  c.call.prompt_file = step_file(t.node, attempt, t.index, 'i', ".prompt.md");
  Context context = upstream(t.node);
  // Composed once for both the prompt file and a real backend's user message.
  const std::string& feedback = t.index >= 0 ? plan_.item_feedback(t.node, t.index) : ns.feedback;
  std::string task = compose_task_after(inputs_text_, context, focus, feedback);
  AgentRequest req{flow_.name, env_.run_id, env_.run_dir, node.name, "", agent->name,
                   router_.model_name(agent->model), agent->role, false, attempt, t.index,
                   prompt_with_task(*agent, task), env_.run_dir + "/" + c.call.prompt_file};
  req.item_cap = item_cap_[t.node];
  if (!judged_by_[t.node].empty()) {
    req.verdict_gate = judged_by_[t.node];
    req.target = flow_.nodes[by_name_.at(req.verdict_gate)].gate().target;
  }
  // `{item}` in the agent's `writes`: this item's call may write only under its own name.
  const std::string* item = t.index >= 0 ? &ns.items[t.index] : nullptr;
  if (!c.call.agent.backend->simulated()) {
    set_agent_fields(*agent, &req);
    if (item)
      for (std::string& w : req.writes) w = ir::writes_for_item(w, *item);
    req.system_prompt = agent_instructions(*agent);
    req.user_message = as_user_message(std::move(task));
  }
  WriteScope scope = write_scope_of(*agent);
  if (item)
    for (std::string& g : scope.globs) g = ir::writes_for_item(g, *item);
  c.call.agent.request = std::move(req);
  c.call.agent.scope = std::move(scope);
}

void Composer::compose_ask(uint32_t id, std::string question, bool gate, Composed& c) {
  c.call.kind = CallKind::Human;
  const char* kind = gate ? "gate" : "step";
  c.approval_wait = waits_for_approval();
  c.call.ask = {Question{std::move(question), question_work(id), gate},
                wait_spec(flow_.nodes[id].name, kind), c.approval_wait};
}

// What a step's answer must contain beyond its work, for a fan-out over it (`ITEM:` lines) and
// for a `check verdict` on it (a verdict line); "" for most steps.
std::string Composer::step_instructions(uint32_t id) const {
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

WaitSpec Composer::wait_spec(const std::string& step, const char* kind) const {
  uint32_t id = node_named(step);
  std::string stage = id == UINT32_MAX ? "" : flow_.stage_of(flow_.nodes[id]);
  return {env_.run_id, env_.run_dir, step, kind, stage, env_.approvals_notify};
}

bool Composer::waits_for_approval() const {
  return !env_.yes && env_.wait_approvals && !terminal_available();
}

// The outputs a question is about: a gate's work, or what an approval step follows.
std::vector<WorkShown> Composer::question_work(uint32_t id) {
  const ir::Node& node = flow_.nodes[id];
  Context c = node.kind() == ir::NodeKind::Gate ? gate_work(id) : upstream(id);
  std::vector<WorkShown> out;
  for (const Upstream& u : c.full) {
    if (out.size() == 2) break;
    out.push_back({u.step, u.text && !u.text->empty() ? env_.run_dir + "/" + u.file : "",
                   u.text ? *u.text : ""});
  }
  return out;
}

}  // namespace flow::rt

#include "compiler/lower.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "compiler/diagnostic_registry.h"
#include "compiler/lowerer.h"
#include "compiler/suggest.h"

namespace flow {

const Unit* Lowered::find_stage(std::string_view name) const {
  uint32_t id = stage_names.find(name);
  return id == NameIndex::kNone ? nullptr : &stage_units[id];
}

const Unit* Lowered::find_unit(std::string_view name) const {
  if (const Unit* u = find_stage(name)) return u;
  uint32_t id = step_names.find(name);
  return id == NameIndex::kNone ? nullptr : &step_units[id];
}

ir::Loc to_loc(const Span& s) {
  if (s.file == 0) return {};
  return ir::Loc{s.file, s.begin.line, s.begin.col, s.end.line, s.end.col};
}

namespace lowering {

// The agent's index in program.agents, or kNoAgent (reported) when it is not declared.
uint32_t Lowerer::check_agent(const ast::Ident& name, DiagCode code) {
  if (const AgentDef* def = program.find_agent(name.name)) {
    auto index = static_cast<uint32_t>(def - program.agents.data());
    // Once per agent, not once per step that calls it.
    if (!agent_referenced[index]) out.referenced_agents.insert(name.name);
    agent_referenced[index] = true;
    return index;
  }
  out.referenced_agents.insert(name.name);
  report(code, name.span,
         fmt::format("{} `{}` is not declared", code.value == "E0300" ? "reviewer" : "agent",
                     name.name),
         suggest_agents().did_you_mean(name.name,
                      "declare it with `agent NAME < ... >` or `agent NAME from \"FILE.md\"`, "
                      "or import the file that declares it"));
  return kNoAgent;
}

// A new node at the end of the flow, built in place.
ir::Node& Lowerer::add_node(ir::NodeKind kind, const std::string& name, const Span& span,
                   const std::vector<uint32_t>& deps) {
  ir::Node& node = out.flow.nodes.emplace_back();
  node.id = static_cast<uint32_t>(out.flow.nodes.size() - 1);
  node.name = name;
  node.set_kind(kind);
  node.stage = stage_id;
  node.when = when;
  node.conditions = conds;
  node.deps = deps;
  node.loc = to_loc(span);
  out.node_spans.push_back(span);
  out.node_agents.push_back(kNoAgent);
  return node;
}

// An upper bound on the nodes a step makes (each step at most itself, two gates of its own
// when it is a fan-out, and one gate per enclosing gate-bearing block), so that the node
// vector is allocated once.
size_t Lowerer::node_estimate(const ast::Step& step, size_t each_depth) {
  size_t n = step.gates.empty() ? 0 : fans_out(step) ? 2 : 1;
  if (step.kind != ast::Step::Kind::Block) return n + 1 + each_depth;
  bool each = std::any_of(step.gates.begin(), step.gates.end(), [](const ast::Gate& g) {
    return g.kind == ast::Gate::Kind::ReviewEach;
  });
  for (const ast::Step& c : step.children) n += node_estimate(c, each_depth + (each ? 1 : 0));
  return n;
}

// Wraps the unit [u.first, now) in a gate holding `gates`; the gate becomes the unit's exit.
// `per_item`: the gate judges each item of the fan-out that the unit is (`review each`).
void Lowerer::add_gate(Unit& u, const std::string& target,
                       const std::vector<const ast::Gate*>& gates, const ast::Step& settings,
                       int nth, bool per_item) {
  const uint32_t first = u.first;
  const uint32_t id = static_cast<uint32_t>(out.flow.nodes.size());
  ir::Gate& g =
      add_node(ir::NodeKind::Gate, gate_name(target, nth), gates.front()->span, u.exits).gate();
  g.target = target;
  g.per_item = per_item;
  g.members.resize(id - first);
  std::iota(g.members.begin(), g.members.end(), first);
  g.checks.reserve(gates.size());
  for (const ast::Gate* gate : gates) {
    g.checks.push_back(lower_check(*gate, reviewer_id(*gate)));
    if (gate->kind == ast::Gate::Kind::Verdict) judge(g.checks.back(), *gate, first, id);
  }
  if (settings.retries) g.retries = static_cast<int>(settings.retries->value);
  if (settings.on_exhausted) g.on_exhausted = lower_on_exhausted(*settings.on_exhausted);
  GateInfo info;
  info.node = id;
  info.span = gates.front()->span;
  info.explicit_retries = settings.retries.has_value();
  if (settings.retries) info.retries_span = settings.retries->span;
  out.gates.push_back(info);
  u.exits = {id};
}

// A review's agent as an index in program.agents (and so in flow.agents); kNoId for other
// checks and for an undeclared reviewer (reported by lower_step).
uint32_t Lowerer::reviewer_id(const ast::Gate& gate) const {
  if (gate.kind != ast::Gate::Kind::Review && gate.kind != ast::Gate::Kind::ReviewEach)
    return ir::kNoId;
  const AgentDef* def = program.find_agent(gate.reviewer.name);
  return def ? static_cast<uint32_t>(def - program.agents.data()) : ir::kNoId;
}

// `check verdict` reads the answer of the unit's last agent step (not a fan-out).
void Lowerer::judge(ir::Check& c, const ast::Gate& gate, uint32_t first, uint32_t end) {
  for (uint32_t i = end; i-- > first;) {
    const ir::Node& n = out.flow.nodes[i];
    if (n.kind() == ir::NodeKind::Agent && !n.is_fanout()) {
      c.step = n.id;
      return;
    }
  }
  report("E0312", gate.span, "`check verdict` guards no agent step whose answer it could read",
         "put it on an agent step (not a fan-out), or on a block holding one");
}

std::string Lowerer::step_name(const ast::Step& step, bool stage_body) {
  if (step.as) return step.as->name;
  switch (step.kind) {
    case ast::Step::Kind::Call: return step.agent.name;
    case ast::Step::Kind::Run: return "run";
    case ast::Step::Kind::Approve: return "approve";
    case ast::Step::Kind::Block:
      return stage_body ? stage : fmt::format("{}.{}", stage, ++block_counter);
  }
  return "?";
}

void Lowerer::register_step(const std::string& name, Unit u, const ast::Step& step) {
  Span at = step.as ? step.as->span : step.kind == ast::Step::Kind::Call ? step.agent.span
                                                                         : step.span;
  if (name != stage && program.stage_index.count(name)) {
    const ast::StageDecl* other = program.stages[program.stage_index.at(name)];
    Diagnostic d = make_diagnostic("E0105", at,
                                   fmt::format("step `{}` has the name of stage `{}`", name, name));
    d.secondary.push_back({other->name.span, "the stage"});
    d.help = "give the step another name with `as NAME`";
    diags.push_back(std::move(d));
  }
  bool fresh = false;
  uint32_t id = out.step_names.insert(name, &fresh);
  if (fresh) {
    out.step_units.push_back(std::move(u));
  } else {
    Diagnostic d = make_diagnostic("E0105", at, fmt::format("two steps are named `{}`", name));
    d.secondary.push_back({out.step_units[id].span, "the first"});
    d.help = "give one of them another name with `as NAME`";
    diags.push_back(std::move(d));
  }
}

Unit Lowerer::lower_block(const ast::Step& step, const std::vector<uint32_t>& preds) {
  Unit u;
  u.first = static_cast<uint32_t>(out.flow.nodes.size());
  if (step.block == ast::BlockKind::Sequence) {
    std::vector<uint32_t> cur = preds;
    bool started = false;
    for (const ast::Step& child : step.children) {
      StepUnit cs = lower_step(child, cur, false);
      const Unit& cu = cs.u;
      if (!started) u.entries.insert(u.entries.end(), cu.entries.begin(), cu.entries.end());
      if (cu.last > cu.first) started = true;
      cur = cu.exits;
      keep(std::move(cs));
    }
    u.exits = std::move(cur);
  } else {
    ParallelInfo par;
    par.span = step.span;
    for (const ast::Step& child : step.children) {
      StepUnit cs = lower_step(child, preds, false);
      const Unit& cu = cs.u;
      par.branches.emplace_back(cu.first, cu.last);
      u.entries.insert(u.entries.end(), cu.entries.begin(), cu.entries.end());
      if (cu.last > cu.first) u.exits.insert(u.exits.end(), cu.exits.begin(), cu.exits.end());
      keep(std::move(cs));
    }
    if (u.exits.empty()) u.exits = preds;
    out.parallels.push_back(std::move(par));
  }
  return u;
}

// A block under its `review each` gates (those wrap each agent step inside, not the block).
Unit Lowerer::lower_block_step(const ast::Step& step, const std::vector<uint32_t>& preds,
                      const std::vector<const ast::Gate*>& each_gates) {
  if (!each_gates.empty()) each.push_back({each_gates, &step, 0});
  Unit u = lower_block(step, preds);
  if (!each_gates.empty()) {
    if (each.back().gates_made == 0)
      report("E0306", each_gates.front()->span,
             "`review each` follows a block with no agent step, so it never runs",
             "use `review AGENT` to review the block as a whole, or remove the gate");
    each.pop_back();
  }
  return u;
}

// The one node of an agent call, a command or an approval.
uint32_t Lowerer::lower_leaf(const ast::Step& step, const std::string& name,
                    const std::vector<uint32_t>& preds) {
  if (step.kind == ast::Step::Kind::Run) {
    ir::Node& n = add_node(ir::NodeKind::Command, name, step.span, preds);
    if (step.text) n.command_run().command = step.text->value;
    return n.id;
  }
  if (step.kind == ast::Step::Kind::Approve) {
    ir::Node& n = add_node(ir::NodeKind::Human, name, step.span, preds);
    if (step.text) n.approval().question = step.text->value;
    return n.id;
  }
  uint32_t agent = check_agent(step.agent, "E0101");
  ir::Node& n = add_node(ir::NodeKind::Agent, name, step.span, preds);
  ir::AgentCall& call = n.agent_call();
  call.agent = agent;  // kNoAgent is kNoId
  if (step.focus) call.focus = step.focus->value;
  const ast::FanOut* over = step.over.get();
  if (over && over->list)
    for (const ast::String& item : *over->list) call.fanout.push_back(item.value);
  if (over && over->input) {
    // Without a cap, a name that is no step lowered so far is an input (or undeclared,
    // E0104, reported here as always); a step's answer needs `up to N`, bound later.
    const std::string& name = over->input->name;
    const bool is_step = out.step_names.find(name) != NameIndex::kNone;
    if (!over->cap && (program.find_input(name) || !is_step)) {
      check_input(*over->input, ast::InputType::List, "over");
      call.fanout_input = name;
    } else {
      step_fanouts.push_back({n.id, &step});
    }
  }
  out.node_agents[n.id] = agent;
  return n.id;
}

// The step's own gates, then for an agent step one per enclosing `review each` block. On a
// fan-out, `review each` (its own, then the enclosing blocks', innermost first) judges each
// item on its own, so those gates come first, innermost; the step's other gates judge the
// whole fan-out around them.
void Lowerer::add_step_gates(Unit& u, const ast::Step& step, const std::string& name,
                    const std::vector<const ast::Gate*>& gates, bool has_nodes) {
  int gates_made = 0;
  std::vector<const ast::Gate*> item_gates, whole;
  for (const ast::Gate* g : gates)
    (fans_out(step) && g->kind == ast::Gate::Kind::ReviewEach ? item_gates : whole).push_back(g);
  if (!item_gates.empty()) add_gate(u, name, item_gates, step, ++gates_made, true);
  if (fans_out(step)) add_each_gates(u, name, &gates_made, true);
  if (!whole.empty()) {
    if (has_nodes) {
      add_gate(u, name, whole, step, ++gates_made);
      if (step.back_to) {
        out.flow.nodes.back().gate().back_to = step.back_to->name;
        backs.push_back({static_cast<uint32_t>(out.flow.nodes.size() - 1), &*step.back_to});
      }
    } else
      report("E0306", gates.front()->span, "gate follows a block with no steps, so it never runs",
             "put steps in the block, or remove it and its gate");
  }
  if (step.kind == ast::Step::Kind::Call && !fans_out(step))
    add_each_gates(u, name, &gates_made, false);
  if (step.back_to && whole.empty() && !item_gates.empty())
    report("E0312", step.back_to->span,
           fmt::format("`back to` has nothing to send back: `review each` on fan-out `{}` sends "
                       "back single items", name),
           "add a gate that judges the whole fan-out, such as `review AGENT`, or remove "
           "`back to`");
  if (step.back_to && step.gates.empty())
    report("E0312", step.back_to->span,
           fmt::format("`back to` has nothing to send back: step `{}` has no gate", name),
           "add the gate whose failure sends the work back, such as `check verdict` or "
           "`review AGENT`");
  if (step.gates.empty() && (step.retries || step.on_exhausted)) {
    Span at = step.retries ? step.retries->span : step.on_exhausted_span;
    report("W0104", at, fmt::format("`{}` has no effect: step `{}` has no gate",
                                    step.retries ? "retries" : "else", name),
           "add a `review`, `check` or `approve` gate, or remove the setting");
  }
}

// One gate per enclosing `review each` block, innermost first.
void Lowerer::add_each_gates(Unit& u, const std::string& name, int* gates_made, bool per_item) {
  for (auto scope = each.rbegin(); scope != each.rend(); ++scope) {
    add_gate(u, name, scope->reviews, *scope->owner, ++*gates_made, per_item);
    ++scope->gates_made;
  }
}

// The caller passes the result to `keep` once it has read the unit.
Lowerer::StepUnit Lowerer::lower_step(const ast::Step& step, const std::vector<uint32_t>& preds,
                    bool stage_body) {
  const bool pushed = step.when && push_condition(*step.when);
  std::string name = step_name(step, stage_body);

  std::vector<const ast::Gate*> each_gates, gates;
  for (const ast::Gate& g : step.gates) {
    bool review = g.kind == ast::Gate::Kind::Review || g.kind == ast::Gate::Kind::ReviewEach;
    if (review) check_agent(g.reviewer, "E0300");
    bool is_each = g.kind == ast::Gate::Kind::ReviewEach && step.kind == ast::Step::Kind::Block;
    (is_each ? each_gates : gates).push_back(&g);
  }

  Unit u;
  uint32_t first = static_cast<uint32_t>(out.flow.nodes.size());
  if (step.kind == ast::Step::Kind::Block) {
    u = lower_block_step(step, preds, each_gates);
  } else {
    uint32_t id = lower_leaf(step, name, preds);
    u.entries = u.exits = {id};
  }
  u.first = first;
  u.span = step.span;
  add_step_gates(u, step, name, gates, out.flow.nodes.size() > first);
  u.last = static_cast<uint32_t>(out.flow.nodes.size());
  for (const ast::Ident& a : step.after)
    refs.push_back({u.entries, &a, PendingRef::StepAfter, name, u.first, u.last});
  for (const ast::Ident& a : step.uses)
    refs.push_back({u.entries, &a, PendingRef::Uses, name, u.first, u.last});
  if (pushed) pop_condition(*step.when);
  // An unnamed stage body is known by its stage's name already; a step inside may share it.
  const bool named = !(stage_body && step.kind == ast::Step::Kind::Block && !step.as);
  return {std::move(u), std::move(name), named, &step};
}

void Lowerer::lower_stage(const ast::StageDecl& s, size_t index) {
  stage = s.name.name;
  stage_id = static_cast<uint32_t>(out.flow.stages.size());
  block_counter = 0;
  when.clear();
  conds.clear();
  const bool pushed = s.when && push_condition(*s.when);
  StepUnit body = lower_step(s.body, {}, true);
  Unit u = body.u;
  keep(std::move(body));
  if (pushed) pop_condition(*s.when);
  ir::Stage st;
  st.name = stage;
  for (uint32_t id = u.first; id < u.last; ++id) st.nodes.push_back(id);
  for (const ast::Ident& a : s.after) {
    st.after.push_back(a.name);
    refs.push_back({u.entries, &a, PendingRef::StageAfter, stage, 0, 0});
  }
  if (s.after.empty() && index > 0) {
    st.after.push_back(program.stages[index - 1]->name.name);
    // The previous stage's exits are bound with the other names, once all stages exist.
    refs.push_back(
        {u.entries, &program.stages[index - 1]->name, PendingRef::StageAfter, stage, 0, 0});
  }
  st.loc = to_loc(s.span);
  out.flow.stages.push_back(std::move(st));
  bool fresh = false;
  out.stage_names.insert(stage, &fresh);
  if (fresh) out.stage_units.push_back(std::move(u));
}

void Lowerer::run() {
  ir::Flow& f = out.flow;
  agent_referenced.assign(program.agents.size(), false);
  check_input_defaults();
  lower_declarations(sources, program, f);
  // Locations keep SourceMap ids (to_loc): the table of files is the SourceMap's paths.
  f.files.assign(1, "");
  for (size_t i = 1; i < sources.files.size(); ++i) f.files.push_back(sources.file(i).path);
  size_t estimate = 0;
  for (const ast::StageDecl* st : program.stages) estimate += node_estimate(st->body, 0);
  f.nodes.reserve(estimate);
  out.node_spans.reserve(estimate);
  out.node_agents.reserve(estimate);
  out.step_names.reserve(estimate);
  out.step_units.reserve(estimate);
  for (size_t i = 0; i < program.stages.size(); ++i) lower_stage(*program.stages[i], i);
  fill_empty_stage_exits();
  bind_step_fanouts();
  bind_refs();
  bind_conditions();
  bind_send_backs(sources, out, backs, diags);
}

}  // namespace lowering

Lowered lower(const SourceMap& sources, const Program& program, std::vector<Diagnostic>& diags) {
  lowering::Lowerer l(sources, program, diags);
  l.run();
  return std::move(l.out);
}

}  // namespace flow

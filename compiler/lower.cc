#include "compiler/lower.h"

#include <algorithm>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "compiler/diagnostic_registry.h"
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

namespace {

// The `review each` blocks enclosing the step being lowered: each wraps every agent step
// inside it in a gate of its own.
struct EachScope {
  std::vector<const ast::Gate*> reviews;
  const ast::Step* owner = nullptr;
  uint32_t gates_made = 0;
};

// A name written after `after` or `uses`, bound once every step has been lowered (names may
// point forward in the file).
struct PendingRef {
  std::vector<uint32_t> entries;
  const ast::Ident* name = nullptr;
  enum Kind { StageAfter, StepAfter, Uses } kind = StepAfter;
  std::string from;              // the step that names it
  uint32_t first = 0, last = 0;  // that step's nodes
};

struct Lowerer {
  const SourceMap& sources;
  const Program& program;
  std::vector<Diagnostic>& diags;
  Lowered out;
  std::vector<PendingRef> refs;
  std::vector<SendBack> backs;
  std::vector<StepFanout> step_fanouts;
  std::vector<std::string> when;  // `when` inputs in force, outermost first
  std::vector<ir::Condition> conds;  // other `when` conditions in force, outermost first
  // `when STEP passed` conditions, bound once every step is lowered (names may point forward).
  std::vector<std::pair<StepCondition, const ast::Condition*>> pending_conds;
  std::vector<EachScope> each;
  std::string stage;
  uint32_t block_counter = 0;
  std::vector<bool> agent_referenced;  // per program.agents entry: in referenced_agents yet

  Lowerer(const SourceMap& s, const Program& p, std::vector<Diagnostic>& d)
      : sources(s), program(p), diags(d) {}

  void report(DiagCode code, Span span, std::string message, std::string help = "") {
    Diagnostic d = make_diagnostic(code, span, std::move(message));
    d.help = std::move(help);
    diags.push_back(std::move(d));
  }

  template <typename Map>
  static std::vector<std::string_view> keys(const Map& m) {
    std::vector<std::string_view> out;
    out.reserve(m.size());
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
  }
  static std::vector<std::string_view> keys(const NameIndex& index) {
    return {index.names().begin(), index.names().end()};
  }

  // Built on first use: most flows have no unknown names at all.
  std::optional<NameSuggester> input_names, agent_names, stage_names, unit_names;
  NameSuggester& suggest_inputs() {
    if (!input_names) input_names.emplace(keys(program.input_index));
    return *input_names;
  }
  NameSuggester& suggest_agents() {
    if (!agent_names) agent_names.emplace(keys(program.agent_index));
    return *agent_names;
  }
  NameSuggester& suggest_stages() {  // only once every stage is lowered
    if (!stage_names) stage_names.emplace(keys(out.stage_names));
    return *stage_names;
  }
  NameSuggester& suggest_units() {  // only once every step is lowered
    if (!unit_names) {
      std::vector<std::string_view> all = keys(out.stage_names);
      for (std::string_view k : keys(out.step_names)) all.push_back(k);
      unit_names.emplace(std::move(all));
    }
    return *unit_names;
  }

  // `when`/`over` name an input of the right type; false when they do not.
  bool check_input(const ast::Ident& name, ast::InputType want, const char* use) {
    const bool text = want == ast::InputType::Text, boolean = want == ast::InputType::Bool;
    const ast::InputDecl* in = program.find_input(name.name);
    if (!in) {
      report("E0104", name.span, fmt::format("no input named `{}`", name.name),
             suggest_inputs().did_you_mean(name.name,
                          boolean ? "declare it, for example `input NAME: bool = false`"
                          : text  ? "declare it, for example `input NAME: text = \"fast\"`"
                                  : "declare it, for example `input NAME: list = [\"a\", \"b\"]`"));
      return false;
    }
    if (in->type != want) {
      Diagnostic d = make_diagnostic(
          "E0107", name.span,
          fmt::format("`{}` needs a `{}` input, but `{}` is not one", use,
                      boolean ? "bool" : text ? "text" : "list", name.name));
      d.secondary.push_back({in->type_span, "declared here"});
      d.help = boolean ? "`when` tests a `bool` input, such as `input deep: bool = false`"
               : text  ? "`==` and `!=` compare a `text` input with a string, such as "
                         "`input mode: text = \"fast\"`"
                       : "`over` fans out over a `list` input, such as `input areas: list`";
      diags.push_back(std::move(d));
      return false;
    }
    return true;
  }

  // Puts a `when` condition in force for the nodes made until the caller pops it: a plain
  // `bool` input goes to `when`, anything else to `conds`. False when nothing was pushed.
  bool push_condition(const ast::Condition& c) {
    using K = ast::Condition::Kind;
    if (c.kind == K::Truth && !c.negated) {
      if (!check_input(c.subject, ast::InputType::Bool, "when") ||
          std::find(when.begin(), when.end(), c.subject.name) != when.end())
        return false;
      when.push_back(c.subject.name);
      return true;
    }
    ir::Condition ic;
    ic.negated = c.negated;
    ic.name = c.subject.name;
    ic.loc = to_loc(c.span);
    if (c.kind == K::Truth) {
      if (!check_input(c.subject, ast::InputType::Bool, "when not")) return false;
      ic.kind = ir::Condition::Kind::Input;
    } else if (c.kind == K::Equals || c.kind == K::NotEquals) {
      if (!check_input(c.subject, ast::InputType::Text,
                       c.kind == K::Equals ? "when ... ==" : "when ... !="))
        return false;
      ic.kind = ir::Condition::Kind::Equals;
      ic.negated = c.kind == K::NotEquals;
      ic.value = c.value ? c.value->value : "";
    } else {
      ic.kind = c.kind == K::Passed ? ir::Condition::Kind::Passed
                                    : ir::Condition::Kind::PassedCleanly;
      StepCondition sc;
      sc.span = c.span;
      sc.step_span = c.subject.span;
      sc.first = static_cast<uint32_t>(out.flow.nodes.size());
      sc.slot = static_cast<uint32_t>(conds.size());
      pending_conds.push_back({sc, &c});
    }
    conds.push_back(std::move(ic));
    return true;
  }

  // Ends the condition `push_condition` put in force; step conditions learn their carriers.
  void pop_condition(const ast::Condition& c) {
    if (c.kind == ast::Condition::Kind::Truth && !c.negated) {
      when.pop_back();
      return;
    }
    const ir::Condition& top = conds.back();
    if (top.kind == ir::Condition::Kind::Passed || top.kind == ir::Condition::Kind::PassedCleanly)
      for (auto it = pending_conds.rbegin(); it != pending_conds.rend(); ++it)
        if (it->second == &c) {
          it->first.last = static_cast<uint32_t>(out.flow.nodes.size());
          break;
        }
    conds.pop_back();
  }

  // `when STEP passed`: the step's nodes go into every carrier's copy of the condition.
  void bind_conditions() {
    for (auto& [sc, c] : pending_conds) {
      const std::string& name = c->subject.name;
      const Unit* u = out.find_unit(name);
      if (!u) {
        bool input = program.find_input(name) != nullptr;
        report("E0103", c->subject.span,
               input ? fmt::format("`{}` is an input, not a step", name)
                     : fmt::format("no step or stage named `{}`", name),
               input ? fmt::format("`passed` tests the outcome of an earlier step; test a `bool` "
                                   "input with `when {}`", name)
                     : suggest_units().did_you_mean(name, "name a stage, or a step by its "
                                                          "agent, `run`, `approve` or `as` name"));
        continue;
      }
      std::vector<uint32_t> nodes(u->last - u->first);
      std::iota(nodes.begin(), nodes.end(), u->first);
      for (uint32_t id = sc.first; id < sc.last; ++id)
        out.flow.nodes[id].conditions[sc.slot].nodes = nodes;
      out.step_conditions.push_back(sc);
    }
  }

  // The agent's index in program.agents, or kNoAgent (reported) when it is not declared.
  uint32_t check_agent(const ast::Ident& name, DiagCode code) {
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

  // A new node at the end of the flow, built in place (a node is large: moving it costs).
  ir::Node& add_node(ir::NodeKind kind, const std::string& name, const Span& span,
                     const std::vector<uint32_t>& deps) {
    ir::Node& node = out.flow.nodes.emplace_back();
    node.id = static_cast<uint32_t>(out.flow.nodes.size() - 1);
    node.name = name;
    node.kind = kind;
    node.stage = stage;
    node.when = when;
    node.conditions = conds;
    node.deps = deps;
    node.loc = to_loc(span);
    out.node_spans.push_back(span);
    out.node_agents.push_back(kNoAgent);
    return node;
  }

  // Step names are unique, so only gates on the same step can collide: the step's own gate
  // and those of enclosing `review each` blocks. `nth` counts them, from 1.
  static std::string gate_name(const std::string& target, int nth) {
    return nth == 1 ? target + "/gate" : fmt::format("{}/gate-{}", target, nth);
  }

  // An upper bound on the nodes a step makes (each step at most itself, two gates of its own
  // when it is a fan-out, and one gate per enclosing gate-bearing block), so that the node
  // vector is allocated once.
  static size_t node_estimate(const ast::Step& step, size_t each_depth) {
    size_t n = step.gates.empty() ? 0 : fans_out(step) ? 2 : 1;
    if (step.kind != ast::Step::Kind::Block) return n + 1 + each_depth;
    bool each = std::any_of(step.gates.begin(), step.gates.end(), [](const ast::Gate& g) {
      return g.kind == ast::Gate::Kind::ReviewEach;
    });
    for (const ast::Step& c : step.children) n += node_estimate(c, each_depth + (each ? 1 : 0));
    return n;
  }

  static bool fans_out(const ast::Step& step) {
    return step.kind == ast::Step::Kind::Call && step.over;
  }

  // Wraps the unit [u.first, now) in a gate holding `gates`; the gate becomes the unit's exit.
  // `per_item`: the gate judges each item of the fan-out that the unit is (`review each`).
  void add_gate(Unit& u, const std::string& target, const std::vector<const ast::Gate*>& gates,
                const ast::Step& settings, int nth, bool per_item = false) {
    const uint32_t first = u.first;
    const uint32_t id = static_cast<uint32_t>(out.flow.nodes.size());
    ir::Node& g = add_node(ir::NodeKind::Gate, gate_name(target, nth), gates.front()->span, u.exits);
    g.target = target;
    g.per_item = per_item;
    g.members.resize(id - first);
    std::iota(g.members.begin(), g.members.end(), first);
    g.checks.reserve(gates.size());
    for (const ast::Gate* gate : gates) {
      g.checks.push_back(lower_check(*gate));
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

  // `check verdict` reads the answer of the unit's last agent step (not a fan-out).
  void judge(ir::Check& c, const ast::Gate& gate, uint32_t first, uint32_t end) {
    for (uint32_t i = end; i-- > first;) {
      const ir::Node& n = out.flow.nodes[i];
      if (n.kind == ir::NodeKind::Agent && !n.is_fanout()) {
        c.step = n.name;
        return;
      }
    }
    report("E0312", gate.span, "`check verdict` guards no agent step whose answer it could read",
           "put it on an agent step (not a fan-out), or on a block holding one");
  }

  std::string step_name(const ast::Step& step, bool stage_body) {
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

  // A lowered step: its unit, and its name when it is to be found by name. The caller reads
  // the unit's entries and exits first and then hands it to `keep`, so that the unit moves
  // into step_units instead of being copied (two vectors per step).
  struct StepUnit {
    Unit u;
    std::string name;
    bool named = false;
    const ast::Step* step = nullptr;
  };

  void keep(StepUnit&& s) {
    if (s.named) register_step(s.name, std::move(s.u), *s.step);
  }

  void register_step(const std::string& name, Unit u, const ast::Step& step) {
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

  Unit lower_block(const ast::Step& step, const std::vector<uint32_t>& preds) {
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
  Unit lower_block_step(const ast::Step& step, const std::vector<uint32_t>& preds,
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
  uint32_t lower_leaf(const ast::Step& step, const std::string& name,
                      const std::vector<uint32_t>& preds) {
    if (step.kind == ast::Step::Kind::Run) {
      ir::Node& n = add_node(ir::NodeKind::Command, name, step.span, preds);
      if (step.text) n.command = step.text->value;
      return n.id;
    }
    if (step.kind == ast::Step::Kind::Approve) {
      ir::Node& n = add_node(ir::NodeKind::Human, name, step.span, preds);
      if (step.text) n.question = step.text->value;
      return n.id;
    }
    uint32_t agent = check_agent(step.agent, "E0101");
    ir::Node& n = add_node(ir::NodeKind::Agent, name, step.span, preds);
    n.agent = step.agent.name;
    if (step.focus) n.focus = step.focus->value;
    const ast::FanOut* over = step.over.get();
    if (over && over->list)
      for (const ast::String& item : *over->list) n.fanout.push_back(item.value);
    if (over && over->input) {
      // Without a cap, a name that is no step lowered so far is an input (or undeclared,
      // E0104, reported here as always); a step's answer needs `up to N`, bound later.
      const std::string& name = over->input->name;
      const bool is_step = out.step_names.find(name) != NameIndex::kNone;
      if (!over->cap && (program.find_input(name) || !is_step)) {
        check_input(*over->input, ast::InputType::List, "over");
        n.fanout_input = name;
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
  void add_step_gates(Unit& u, const ast::Step& step, const std::string& name,
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
          out.flow.nodes.back().back_to = step.back_to->name;
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
  void add_each_gates(Unit& u, const std::string& name, int* gates_made, bool per_item) {
    for (auto scope = each.rbegin(); scope != each.rend(); ++scope) {
      add_gate(u, name, scope->reviews, *scope->owner, ++*gates_made, per_item);
      ++scope->gates_made;
    }
  }

  // The caller passes the result to `keep` once it has read the unit.
  StepUnit lower_step(const ast::Step& step, const std::vector<uint32_t>& preds,
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

  void lower_stage(const ast::StageDecl& s, size_t index) {
    stage = s.name.name;
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

  // A stage with no nodes passes through what it waited for, so that the next stage still
  // waits for everything before it.
  void fill_empty_stage_exits() {
    for (size_t i = 0; i < program.stages.size(); ++i) {
      Unit& u = out.stage_units[out.stage_names.find(program.stages[i]->name.name)];
      if (u.last > u.first) continue;
      for (const std::string& a : out.flow.stages[i].after)
        if (const Unit* before = out.find_stage(a); before && before != &u)
          u.exits.insert(u.exits.end(), before->exits.begin(), before->exits.end());
    }
  }

  // `a uses blk` or `a after blk` inside `blk` itself: `blk` finishes only after `a`.
  void report_inside(const PendingRef& ref, const std::string& name) {
    bool uses = ref.kind == PendingRef::Uses;
    bool same = ref.from == name;
    std::string message =
        same ? fmt::format("`{}` uses the output of itself", name)
             : fmt::format("`{}` {} `{}`, which contains it", ref.from,
                           uses ? "uses the output of" : "waits for", name);
    std::string help =
        same ? fmt::format("drop `uses {}`: a step's output exists only once it has finished",
                           name)
             : fmt::format("`{}` finishes only after `{}`; name a step that runs before `{}`, or "
                           "move `{}` out of it",
                           name, ref.from, name, ref.from);
    report(uses ? DiagCode("E0401") : DiagCode("E0200"), ref.name->span, std::move(message), std::move(help));
  }

  // `over NAME`: a list input was bound while lowering; here NAME is a step (or nothing).
  void bind_step_fanouts() {
    for (const StepFanout& f : step_fanouts) {
      const ast::Ident& name = *f.step->over->input;
      const std::optional<ast::Integer>& cap = f.step->over->cap;
      const uint32_t step_id = out.step_names.find(name.name);
      if (step_id == NameIndex::kNone) {
        if (program.find_input(name.name))
          report("E0120", cap->span,
                 fmt::format("`up to` caps a fan-out over a step's answer, but `{}` is an input",
                             name.name),
                 "remove `up to N`: a list input's items are known when the run starts");
        else
          report("E0103", name.span, fmt::format("no step named `{}`", name.name),
                 suggest_units().did_you_mean(name.name,
                                              "`over STEP up to N` names an agent step"));
        continue;
      }
      const Unit& u = out.step_units[step_id];
      const ir::Node& p = out.flow.nodes[u.first];
      // A call's node carries the step's name; a block's first node does not.
      if (p.name != name.name || p.kind != ir::NodeKind::Agent || p.is_fanout()) {
        report("E0121", name.span,
               fmt::format("`{}` is not a single agent step, so it has no answer to take items "
                           "from", name.name),
               "fan out over an agent step that is not itself a fan-out");
        continue;
      }
      if (!cap || cap->value < 1) {
        report("E0120", cap ? cap->span : name.span,
               cap ? fmt::format("a fan-out cap must be at least 1, not {}", cap->value)
                   : fmt::format("fan-out over the answer of `{}` has no cap", name.name),
               fmt::format("write `over {} up to N`: the step may choose at most N items, and "
                           "the worst-case call bound counts N",
                           name.name));
        continue;
      }
      ir::Node& n = out.flow.nodes[f.node];
      n.fanout_step = name.name;
      n.fanout_cap = static_cast<int>(cap->value);
      refs.push_back({{f.node}, &name, PendingRef::Uses, n.name, f.node, f.node + 1});
    }
  }

  void bind_refs() {
    for (const PendingRef& ref : refs) {
      const std::string& name = ref.name->name;
      const Unit* target = nullptr;
      if (ref.kind == PendingRef::StageAfter) {
        target = out.find_stage(name);
        if (!target) {
          report("E0102", ref.name->span, fmt::format("no stage named `{}`", name),
                 suggest_stages().did_you_mean(name, "`after` on a stage names other stages"));
          continue;
        }
      } else if (!(target = out.find_unit(name))) {
        report("E0103", ref.name->span, fmt::format("no step or stage named `{}`", name),
               suggest_units().did_you_mean(name,
                            "name a stage, or a step by its agent, `run`, `approve` or `as` name"));
        continue;
      }
      // (`a after a` stays a plain cycle, E0200.)
      if (ref.kind != PendingRef::StageAfter && ref.last > ref.first &&
          target->first <= ref.first && ref.last <= target->last &&
          (ref.kind == PendingRef::Uses || ref.from != name)) {
        report_inside(ref, name);
        continue;
      }
      for (uint32_t e : ref.entries) {
        std::vector<uint32_t>& deps = out.flow.nodes[e].deps;
        deps.insert(deps.end(), target->exits.begin(), target->exits.end());
        for (uint32_t x : target->exits)
          out.ref_edges.push_back({e, x, ref.name->span, ref.kind == PendingRef::Uses});
      }
    }
    for (ir::Node& n : out.flow.nodes) {
      std::sort(n.deps.begin(), n.deps.end());
      n.deps.erase(std::unique(n.deps.begin(), n.deps.end()), n.deps.end());
    }
  }

  // A default must have its input's type: a `bool` input with a list default would make
  // every `when` on it skip its steps, without a word.
  void check_input_defaults() {
    static constexpr const char* kType[] = {"text", "number", "bool", "list"};
    static constexpr const char* kValue[] = {"a string", "a number", "`true` or `false`",
                                             "a list"};
    static constexpr const char* kExample[] = {"\"text\"", "3", "false", "[\"a\", \"b\"]"};
    for (const ast::InputDecl* in : program.inputs) {
      if (!in->default_value) continue;
      auto want = static_cast<size_t>(in->type);
      static_assert(size_t(ast::Value::Kind::List) == size_t(ast::InputType::List) &&
                    size_t(ast::Value::Kind::Integer) == size_t(ast::InputType::Number));
      auto got = static_cast<size_t>(in->default_value->kind);  // same order as InputType
      if (want == got) continue;
      Diagnostic d = make_diagnostic(
          "E0107", in->default_value->span,
          fmt::format("input `{}` is a `{}`, but its default is {}", in->name.name, kType[want],
                      kValue[got]));
      d.secondary.push_back({in->type_span, "declared here"});
      d.help = fmt::format("give it {} default, such as `= {}`, or change its type to `{}`",
                           want == 0 ? "a string" : fmt::format("a `{}`", kType[want]),
                           kExample[want], kType[got]);
      diags.push_back(std::move(d));
    }
  }

  void run() {
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
};

}  // namespace

Lowered lower(const SourceMap& sources, const Program& program, std::vector<Diagnostic>& diags) {
  Lowerer l(sources, program, diags);
  l.run();
  return std::move(l.out);
}

}  // namespace flow

#pragma once
// The state of one lowering (compiler/lower.h), shared by the three files that carry it out:
// lower.cc builds the graph (stages, steps, blocks, gates), lower_conditions.cc handles `when`
// and the inputs it names, lower_names.cc binds the names written before what they name.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "compiler/diagnostic_registry.h"
#include "compiler/lower.h"
#include "compiler/suggest.h"

namespace flow::lowering {

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
  uint32_t stage_id = 0;  // the stage's index in flow.stages, once pushed at its end
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
  bool check_input(const ast::Ident& name, ast::InputType want, const char* use);

  // Puts a `when` condition in force for the nodes made until the caller pops it: a plain
  // `bool` input goes to `when`, anything else to `conds`. False when nothing was pushed.
  bool push_condition(const ast::Condition& c);

  // Ends the condition `push_condition` put in force; step conditions learn their carriers.
  void pop_condition(const ast::Condition& c);

  // `when STEP passed`: the step's nodes go into every carrier's copy of the condition.
  void bind_conditions();

  // The agent's index in program.agents, or kNoAgent (reported) when it is not declared.
  uint32_t check_agent(const ast::Ident& name, DiagCode code);

  // A new node at the end of the flow, built in place.
  ir::Node& add_node(ir::NodeKind kind, const std::string& name, const Span& span,
                     const std::vector<uint32_t>& deps);

  // Step names are unique, so only gates on the same step can collide: the step's own gate
  // and those of enclosing `review each` blocks. `nth` counts them, from 1.
  static std::string gate_name(const std::string& target, int nth) {
    return nth == 1 ? target + "/gate" : fmt::format("{}/gate-{}", target, nth);
  }

  // An upper bound on the nodes a step makes (each step at most itself, two gates of its own
  // when it is a fan-out, and one gate per enclosing gate-bearing block), so that the node
  // vector is allocated once.
  static size_t node_estimate(const ast::Step& step, size_t each_depth);

  static bool fans_out(const ast::Step& step) {
    return step.kind == ast::Step::Kind::Call && step.over;
  }

  // Wraps the unit [u.first, now) in a gate holding `gates`; the gate becomes the unit's exit.
  // `per_item`: the gate judges each item of the fan-out that the unit is (`review each`).
  void add_gate(Unit& u, const std::string& target, const std::vector<const ast::Gate*>& gates,
                const ast::Step& settings, int nth, bool per_item = false);

  // A review's agent as an index in program.agents (and so in flow.agents); kNoId for other
  // checks and for an undeclared reviewer (reported by lower_step).
  uint32_t reviewer_id(const ast::Gate& gate) const;

  // `check verdict` reads the answer of the unit's last agent step (not a fan-out).
  void judge(ir::Check& c, const ast::Gate& gate, uint32_t first, uint32_t end);

  std::string step_name(const ast::Step& step, bool stage_body);

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

  void register_step(const std::string& name, Unit u, const ast::Step& step);

  Unit lower_block(const ast::Step& step, const std::vector<uint32_t>& preds);

  // A block under its `review each` gates (those wrap each agent step inside, not the block).
  Unit lower_block_step(const ast::Step& step, const std::vector<uint32_t>& preds,
                        const std::vector<const ast::Gate*>& each_gates);

  // The one node of an agent call, a command or an approval.
  uint32_t lower_leaf(const ast::Step& step, const std::string& name,
                      const std::vector<uint32_t>& preds);

  // The step's own gates, then for an agent step one per enclosing `review each` block. On a
  // fan-out, `review each` (its own, then the enclosing blocks', innermost first) judges each
  // item on its own, so those gates come first, innermost; the step's other gates judge the
  // whole fan-out around them.
  void add_step_gates(Unit& u, const ast::Step& step, const std::string& name,
                      const std::vector<const ast::Gate*>& gates, bool has_nodes);

  // One gate per enclosing `review each` block, innermost first.
  void add_each_gates(Unit& u, const std::string& name, int* gates_made, bool per_item);

  // The caller passes the result to `keep` once it has read the unit.
  StepUnit lower_step(const ast::Step& step, const std::vector<uint32_t>& preds,
                      bool stage_body);

  void lower_stage(const ast::StageDecl& s, size_t index);

  // A stage with no nodes passes through what it waited for, so that the next stage still
  // waits for everything before it.
  void fill_empty_stage_exits();

  // `a uses blk` or `a after blk` inside `blk` itself: `blk` finishes only after `a`.
  void report_inside(const PendingRef& ref, const std::string& name);

  // `over NAME`: a list input was bound while lowering; here NAME is a step (or nothing).
  void bind_step_fanouts();

  void bind_refs();

  // A default must have its input's type: a `bool` input with a list default would make
  // every `when` on it skip its steps, without a word.
  void check_input_defaults();

  void run();
};

}  // namespace flow::lowering

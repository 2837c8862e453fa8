#pragma once
// Lowering: a resolved program becomes an ir::Flow, a DAG of nodes (see ir/ir.h for the
// shape). Lowering binds every step, stage and input name and reports the names it cannot
// bind. Alongside the IR it keeps what the checks need and the IR does not carry: spans into
// the sources, which gate settings were written, and each parallel block's branches.
#include <string>
#include <unordered_set>
#include <vector>

#include "ir/ir.h"
#include "compiler/name_index.h"
#include "compiler/resolve.h"
#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

// A named piece of the pipeline (a step, a block or a stage) seen from outside.
struct Unit {
  std::vector<uint32_t> entries;  // nodes that wait for whatever comes before the unit
  std::vector<uint32_t> exits;    // nodes whose completion means the unit is done
  uint32_t first = 0, last = 0;   // its nodes are the ids [first, last)
  Span span;
};

struct GateInfo {
  uint32_t node = 0;
  Span span;                 // the first gate modifier written
  bool explicit_retries = false;
  Span retries_span;         // when explicit
};

struct ParallelInfo {
  Span span;                                    // the block
  std::vector<std::pair<uint32_t, uint32_t>> branches;  // each branch's node ids [first, last)
};

// An edge added by `after` or `uses` (or by a stage's order), kept to explain cycles.
struct RefEdge {
  uint32_t from = 0;  // an entry node of the step that waits
  uint32_t to = 0;    // an exit node of the step or stage it names
  Span span;          // the name after `after` / `uses` (the stage name for implicit order)
  bool uses = false;
};

// A `when STEP passed` condition, kept so the checks can say where it was written: the nodes
// [first, last) carry it, as their conditions[slot].
struct StepCondition {
  Span span;      // the condition
  Span step_span; // the step's name in it
  uint32_t first = 0, last = 0;
  uint32_t slot = 0;
};

inline constexpr uint32_t kNoAgent = ir::kNoId;

struct Lowered {
  ir::Flow flow;
  std::vector<Span> node_spans;  // per node: the step, or for a gate the gate modifier
  // Per node: the index in Program::agents of the agent an agent step calls, so that the
  // checks need no lookup by name; kNoAgent for other nodes and undeclared agents.
  std::vector<uint32_t> node_agents;
  std::vector<GateInfo> gates;   // one per gate node, in node order
  std::vector<ParallelInfo> parallels;
  std::vector<RefEdge> ref_edges;
  std::vector<StepCondition> step_conditions;  // bound to their step's nodes
  std::unordered_set<std::string> referenced_agents;  // called or reviewing, even where lowering failed
  // Stages, and steps and blocks, by name: a unit's place in its vector is its name's id.
  NameIndex stage_names, step_names;
  std::vector<Unit> stage_units, step_units;

  const Unit* find_stage(std::string_view name) const;
  // A stage first, then a step; nullptr when neither has the name.
  const Unit* find_unit(std::string_view name) const;
};

Lowered lower(const SourceMap& sources, const Program& program, std::vector<Diagnostic>& diags);

// Pieces of lowering that need no graph (compiler/lower_decls.cc): the flow's name,
// description, source, inputs, agents and rules; one gate check; an `else` setting.
void lower_declarations(const SourceMap& sources, const Program& program, ir::Flow& flow);
// `reviewer`: a review's agent, an index in Program::agents (kNoId when undeclared).
ir::Check lower_check(const ast::Gate& gate, uint32_t reviewer);
ir::OnExhausted lower_on_exhausted(ast::OnExhausted e);

// A `back to NAME` written on a gated step, bound once every step is lowered.
struct SendBack {
  uint32_t gate = 0;
  const ast::Ident* target = nullptr;
};
// A fan-out over an earlier step's answer (`over STEP up to N`), bound with the other names.
struct StepFanout {
  uint32_t node = 0;
  const ast::Step* step = nullptr;
};

// compiler/lower_sendback.cc: the rework set of every `back to` gate (its `members` become
// everything from the target to the gate), with the checks that keep ordering rules and the
// call bound true on every iteration (E0310, E0311).
void bind_send_backs(const SourceMap& sources, Lowered& out, const std::vector<SendBack>& backs,
                     std::vector<Diagnostic>& diags);

// The IR form of a span (path as the user named the file; line 0 for no location).
ir::Loc to_loc(const Span& span);  // Loc::file is the SourceMap id (ir.h)

}  // namespace flow

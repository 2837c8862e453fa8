// Lowering, the names bound once every step is lowered (names may point forward in the file):
// `after` and `uses`, `over STEP`, `when STEP passed`, and what an empty stage passes on.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "compiler/lowerer.h"

namespace flow::lowering {

// `when STEP passed`: the step's nodes go into every carrier's copy of the condition.
void Lowerer::bind_conditions() {
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

// A stage with no nodes passes through what it waited for, so that the next stage still
// waits for everything before it.
void Lowerer::fill_empty_stage_exits() {
  for (size_t i = 0; i < program.stages.size(); ++i) {
    Unit& u = out.stage_units[out.stage_names.find(program.stages[i]->name.name)];
    if (u.last > u.first) continue;
    for (const std::string& a : out.flow.stages[i].after)
      if (const Unit* before = out.find_stage(a); before && before != &u)
        u.exits.insert(u.exits.end(), before->exits.begin(), before->exits.end());
  }
}

// `a uses blk` or `a after blk` inside `blk` itself: `blk` finishes only after `a`.
void Lowerer::report_inside(const PendingRef& ref, const std::string& name) {
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
void Lowerer::bind_step_fanouts() {
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
    if (p.name != name.name || p.kind() != ir::NodeKind::Agent || p.is_fanout()) {
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
    n.agent_call().fanout_step = p.id;
    n.agent_call().fanout_cap = static_cast<int>(cap->value);
    refs.push_back({{f.node}, &name, PendingRef::Uses, n.name, f.node, f.node + 1});
  }
}

void Lowerer::bind_refs() {
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

}  // namespace flow::lowering

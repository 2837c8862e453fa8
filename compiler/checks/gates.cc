// Gate rules: self-review (E0301), retry bounds (E0302–E0304) and the flow rule "every step
// reviewed by R" (E0305). Undefined reviewers (E0300) and gates with nothing to judge (E0306)
// are found while lowering, where the structure that explains them is at hand.
#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "compiler/suggest.h"

namespace flow {
namespace {

constexpr int kMaxRetries = 20;

void check_gate(const CheckContext& ctx, const GateInfo& info) {
  const ir::Flow& f = ctx.lowered.flow;
  const ir::Gate& gate = f.nodes[info.node].gate();
  bool has_review = false;
  for (const ir::Check& c : gate.checks) {
    if (c.kind != ir::Check::Kind::Review) continue;
    has_review = true;
    if (c.agent == ir::kNoId) continue;  // undeclared, reported
    for (uint32_t m : gate.members) {
      const ir::Node& member = f.nodes[m];
      if (member.kind() != ir::NodeKind::Agent || member.agent_call().agent != c.agent) continue;
      Diagnostic d = make_diagnostic(
          "E0301", info.span,
          fmt::format("`{}` reviews its own work: it is called by step `{}`",
                      f.agent_name(c.agent), member.name));
      d.secondary.push_back({ctx.lowered.node_spans[m], "the step it reviews"});
      d.help = "review with an independent agent";
      ctx.diags.push_back(std::move(d));
      break;
    }
  }
  if (gate.retries > kMaxRetries) {
    Diagnostic d = make_diagnostic(
        "E0304", info.retries_span,
        fmt::format("`retries {}` is too large; the limit is {}", gate.retries, kMaxRetries));
    d.help = "every retry repeats all the gated work; a few retries is the useful range";
    ctx.diags.push_back(std::move(d));
  }
  if (gate.retries < 1 && has_review) {
    Diagnostic d = make_diagnostic(
        "E0303", info.retries_span,
        "`retries 0` on a review gate: the work can never be sent back, so the review's "
        "feedback is lost");
    d.help = "allow at least `retries 1`, or use `check` or `approve` for a one-shot test";
    ctx.diags.push_back(std::move(d));
  }
  if (info.explicit_retries) return;
  const char* why = nullptr;
  if (gate.on_exhausted == ir::OnExhausted::Continue)
    why = "it goes on with unapproved work (`else continue`)";
  else if (gate.on_exhausted == ir::OnExhausted::Ask)
    why = "it asks a human to accept unapproved work (`else ask`)";
  else if (gate.per_item)
    why = "it reviews each item of a fan-out on its own: a retry repeats only the item that "
          "failed, but each item has the whole budget";
  else
    for (uint32_t m : gate.members)
      if (f.nodes[m].is_fanout()) {
        why = "it guards a fan-out, where every retry repeats every item";
        break;
      }
  if (!why) return;
  Diagnostic d = make_diagnostic(
      "E0302", info.span, fmt::format("gate on `{}` needs an explicit `retries`: {}", gate.target, why));
  d.help = "write `retries N` after the gate (the default would be 2)";
  if (has_review && !gate.per_item && gate.on_exhausted == ir::OnExhausted::Stop)
    d.help += "; with `review each`, each item is reviewed on its own and a retry repeats only "
              "the item that failed";
  ctx.diags.push_back(std::move(d));
}

void check_every_step_reviewed(const CheckContext& ctx, const ast::RuleDecl& rule) {
  const ir::Flow& f = ctx.lowered.flow;
  const std::string& reviewer_name = rule.a.name;
  const AgentDef* def = ctx.program.find_agent(reviewer_name);
  if (!def) {
    const std::string& reviewer = reviewer_name;
    std::vector<std::string_view> names;
    for (const AgentDef& a : ctx.program.agents) names.push_back(a.agent.name);
    Diagnostic d = make_diagnostic("E0101", rule.a.span,
                                   fmt::format("agent `{}` is not declared", reviewer));
    d.help = did_you_mean(reviewer, names, "declare the reviewing agent, or import it");
    ctx.diags.push_back(std::move(d));
    return;
  }
  const auto reviewer = static_cast<uint32_t>(def - ctx.program.agents.data());
  std::vector<bool> reviewed(f.nodes.size(), false);
  for (const GateInfo& info : ctx.lowered.gates) {
    const ir::Gate& gate = f.nodes[info.node].gate();
    bool by_r = false;
    for (const ir::Check& c : gate.checks)
      by_r = by_r || (c.kind == ir::Check::Kind::Review && c.agent == reviewer);
    if (by_r)
      for (uint32_t m : gate.members) reviewed[m] = true;
  }
  std::vector<const ir::Node*> missing;
  for (const ir::Node& n : f.nodes)
    if (n.kind() == ir::NodeKind::Agent && n.agent_call().agent != reviewer && !reviewed[n.id])
      missing.push_back(&n);
  // One error per step, at the step: a CI annotation and an editor mark the step to fix, in
  // the user's file even when the rule comes from a library (std/policies).
  constexpr size_t kListed = 20;
  for (size_t i = 0; i < missing.size() && i < kListed; ++i) {
    Diagnostic d = make_diagnostic(
        "E0305", ctx.lowered.node_spans[missing[i]->id],
        fmt::format("step `{}` is not reviewed by `{}`, as a rule requires", missing[i]->name,
                    reviewer_name));
    d.secondary.push_back({rule.span, "the rule"});
    d.help = fmt::format("add `review {}` to the step, or to a block around it", reviewer_name);
    ctx.diags.push_back(std::move(d));
  }
  if (missing.size() > kListed) {
    Diagnostic d = make_diagnostic(
        "E0305", rule.span,
        fmt::format("rule broken: {} more agent steps are not reviewed by `{}`",
                    missing.size() - kListed, reviewer_name));
    d.help = fmt::format("add `review {}` to each step, or to a block around them", reviewer_name);
    ctx.diags.push_back(std::move(d));
  }
}

}  // namespace

void check_gates(const CheckContext& ctx) {
  for (const GateInfo& info : ctx.lowered.gates) check_gate(ctx, info);
  for (const ast::RuleDecl* r : ctx.program.rules)
    if (r->kind == ast::RuleDecl::Kind::EveryStepReviewedBy) check_every_step_reviewed(ctx, *r);
}

}  // namespace flow

#pragma once
// Actions for steps and `stage` statements (FLOW_ACTION: lang/parse_action.h).
#include <utility>

#include "lang/parse_action.h"

namespace flow::actions {

inline ast::Step& top(ParseState& st) { return st.steps.back(); }
inline ast::FanOut& fan_out(ParseState& st) {
  if (!top(st).over) top(st).over = std::make_unique<ast::FanOut>();
  return *top(st).over;
}

// A step is built where it stands on the stack (it is large: each move copies ~1 KB).
inline ast::Step& new_step(ParseState& st, ast::Step::Kind kind) {
  ast::Step& s = st.steps.emplace_back();
  s.kind = kind;
  return s;
}

// ---------------------------------------------------------------- step cores

FLOW_ACTION0(kw_parallel) {
  st.pending_block = ast::BlockKind::Parallel;
}
FLOW_END
FLOW_ACTION0(kw_sequence) {
  st.pending_block = ast::BlockKind::Sequence;
}
FLOW_END
FLOW_ACTION(block_open) {
  uint32_t at = st.offset(in.begin());
  // Counted here, before the parser descends into the block, so that nesting is bounded by
  // this check rather than by the size of the stack.
  if (++st.depth > syntax::kMaxDepth) st.fail<syntax::check::too_deep>(at, at + 1);
  ast::Step& block = new_step(st, ast::Step::Kind::Block);
  block.block_keyword = st.pending_block.has_value();
  block.block = st.pending_block.value_or(ast::BlockKind::Sequence);
  block.open_span = st.span(at, at + 1);
  st.pending_block.reset();
  st.opens.push_back(at);
}
FLOW_END
FLOW_ACTION0(block_close) {
  --st.depth;
  st.opens.pop_back();
}
FLOW_END

FLOW_ACTION0(run_command) {
  new_step(st, ast::Step::Kind::Run).text = st.str;
}
FLOW_END
FLOW_ACTION0(kw_approve) { st.question.reset(); }
FLOW_END
FLOW_ACTION0(approve_question) { st.question = st.str; }
FLOW_END
FLOW_ACTION0(approve_step) {
  new_step(st, ast::Step::Kind::Approve).text = st.question;
}
FLOW_END

FLOW_ACTION0(call_agent) {
  new_step(st, ast::Step::Kind::Call).agent = st.ident;
}
FLOW_END
FLOW_ACTION0(call_focus) { top(st).focus = st.str; }
FLOW_END
FLOW_ACTION0(over_items) {
  fan_out(st).list = st.list;
  fan_out(st).span = st.list_span;
}
FLOW_END
FLOW_ACTION0(over_input) {
  fan_out(st).input = st.ident;
  fan_out(st).span = st.ident.span;
}
FLOW_END
FLOW_ACTION0(over_cap) { fan_out(st).cap = st.integer; }
FLOW_END
FLOW_ACTION(step_core) { top(st).span = st.span_from(in.begin()); }
FLOW_END

// ---------------------------------------------------------------- modifiers

FLOW_ACTION0(as_name) { top(st).as = st.ident; }
FLOW_END
FLOW_ACTION0(after_name) { top(st).after.push_back(st.ident); }
FLOW_END
FLOW_ACTION0(uses_name) { top(st).uses.push_back(st.ident); }
FLOW_END
FLOW_ACTION0(cond_not) { st.cond.negated = true; }
FLOW_END
FLOW_ACTION0(cond_subject) { st.cond.subject = st.ident; }
FLOW_END
FLOW_ACTION0(cond_eq) { st.cond.kind = ast::Condition::Kind::Equals; }
FLOW_END
FLOW_ACTION0(cond_ne) { st.cond.kind = ast::Condition::Kind::NotEquals; }
FLOW_END
FLOW_ACTION0(cond_value) { st.cond.value = st.str; }
FLOW_END
FLOW_ACTION0(cond_passed) {  // runs after `cleanly`, which is inside it
  if (st.cond.kind != ast::Condition::Kind::PassedCleanly)
    st.cond.kind = ast::Condition::Kind::Passed;
}
FLOW_END
FLOW_ACTION0(cond_cleanly) { st.cond.kind = ast::Condition::Kind::PassedCleanly; }
FLOW_END
FLOW_ACTION(condition) {
  st.cond.span = st.span_from(in.begin());
}
FLOW_END
FLOW_ACTION0(kw_when) { st.cond = ast::Condition{}; }
FLOW_END
FLOW_ACTION0(mod_when) { top(st).when = std::make_unique<ast::Condition>(std::move(st.cond)); }
FLOW_END
FLOW_ACTION0(kw_review) { st.review_each = false; }
FLOW_END
FLOW_ACTION0(review_each) { st.review_each = true; }
FLOW_END
FLOW_ACTION(mod_review) {
  ast::Gate gate;
  gate.kind = st.review_each ? ast::Gate::Kind::ReviewEach : ast::Gate::Kind::Review;
  gate.reviewer = st.ident;
  gate.span = st.span_from(in.begin());
  top(st).gates.push_back(std::move(gate));
}
FLOW_END
FLOW_ACTION0(kw_check) { st.check_verdict = false; }
FLOW_END
FLOW_ACTION0(check_verdict) { st.check_verdict = true; }
FLOW_END
FLOW_ACTION0(back_target) { top(st).back_to = std::make_unique<ast::Ident>(st.ident); }
FLOW_END
FLOW_ACTION(mod_check) {
  ast::Gate gate;
  gate.kind = st.check_verdict ? ast::Gate::Kind::Verdict : ast::Gate::Kind::Check;
  if (!st.check_verdict) gate.text = st.str;
  gate.span = st.span_from(in.begin());
  top(st).gates.push_back(std::move(gate));
}
FLOW_END
FLOW_ACTION(mod_approve) {
  ast::Gate gate;
  gate.kind = ast::Gate::Kind::Approve;
  gate.text = st.question;
  gate.span = st.span_from(in.begin());
  top(st).gates.push_back(std::move(gate));
}
FLOW_END
FLOW_ACTION0(retries_count) { top(st).retries = st.integer; }
FLOW_END
FLOW_ACTION0(else_stop) { top(st).on_exhausted = ast::OnExhausted::Stop; }
FLOW_END
FLOW_ACTION0(else_continue) { top(st).on_exhausted = ast::OnExhausted::Continue; }
FLOW_END
FLOW_ACTION0(else_ask) { top(st).on_exhausted = ast::OnExhausted::Ask; }
FLOW_END
FLOW_ACTION(else_action) { top(st).on_exhausted_span = st.span_from(in.begin()); }
FLOW_END

// A finished step joins the block it sits in; the outermost one stays for its stage.
FLOW_ACTION0(step) {
  if (st.steps.size() < 2) return;
  std::vector<ast::Step>& children = st.steps[st.steps.size() - 2].children;
  // A step is large and moves on every growth: skip the first few.
  if (children.capacity() == 0) children.reserve(4);
  children.push_back(std::move(st.steps.back()));  // moved once, straight into its block
  st.steps.pop_back();
}
FLOW_END

// ---------------------------------------------------------------- stage

FLOW_ACTION0(stage_name) { st.stage.name = st.ident; }
FLOW_END
FLOW_ACTION0(stage_after_name) { st.stage.after.push_back(st.ident); }
FLOW_END
FLOW_ACTION0(stage_when) { st.stage.when = std::make_unique<ast::Condition>(std::move(st.cond)); }
FLOW_END
FLOW_ACTION(stage_decl) {
  st.stage.body = std::move(st.steps.back());
  st.steps.pop_back();
  st.stage.span = st.span_from(in.begin());
  st.out->stages.push_back(std::move(st.stage));
}
FLOW_END

}  // namespace flow::actions

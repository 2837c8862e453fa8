#pragma once
// Actions for `agent`, `agents` and `rule` statements (FLOW_ACTION: lang/parse_action.h).
#include <string>
#include <utility>

#include "lang/parse_action.h"

namespace flow::actions {

// A field keyword seen a second time in one agent block is an error at the keyword.
template <typename Field>
void first_time(const Field& field, const char* kw_begin, const char* kw_end, ParseState& st) {
  if (field.has_value())
    st.fail<syntax::check::duplicate_field>(st.offset(kw_begin), st.offset(kw_end),
                                            std::string(kw_begin, kw_end));
}

FLOW_ACTION0(agent_name) {
  st.agent.name = st.ident;
}
FLOW_END
FLOW_ACTION(agent_open) { st.opens.push_back(st.offset(in.begin())); }
FLOW_END
FLOW_ACTION0(agent_close) {
  st.opens.pop_back();
}
FLOW_END
FLOW_ACTION(field_description_kw) { first_time(st.agent.description, in.begin(), in.end(), st); }
FLOW_END
FLOW_ACTION(field_model_kw) { first_time(st.agent.model, in.begin(), in.end(), st); }
FLOW_END
FLOW_ACTION(field_tools_kw) {
  first_time(st.agent.tools, in.begin(), in.end(), st);
  st.agent.tools.emplace();
  st.disallowing = false;
}
FLOW_END
FLOW_ACTION(field_disallowed_tools_kw) {
  first_time(st.agent.disallowed_tools, in.begin(), in.end(), st);
  st.agent.disallowed_tools.emplace();
  st.disallowing = true;
}
FLOW_END
FLOW_ACTION(field_permission_mode_kw) {
  first_time(st.agent.permission_mode, in.begin(), in.end(), st);
}
FLOW_END
FLOW_ACTION(field_max_turns_kw) { first_time(st.agent.max_turns, in.begin(), in.end(), st); }
FLOW_END
FLOW_ACTION(field_writes_kw) {
  first_time(st.agent.writes, in.begin(), in.end(), st);
  st.agent.writes.emplace();
}
FLOW_END
FLOW_ACTION(field_role_kw) { first_time(st.agent.role, in.begin(), in.end(), st); }
FLOW_END
FLOW_ACTION(field_prompt_kw) { first_time(st.agent.prompt, in.begin(), in.end(), st); }
FLOW_END
FLOW_ACTION0(description_text) {
  st.agent.description = st.str;
}
FLOW_END
// model_ident derives from ident, so ident's own action does not run for it.
FLOW_ACTION(model_ident) {
  st.agent.model = ast::String{in.string(), st.span_of(in)};
}
FLOW_END
FLOW_ACTION0(model_string) {
  st.agent.model = st.str;
}
FLOW_END
FLOW_ACTION0(tool_word) {
  (st.disallowing ? st.agent.disallowed_tools : st.agent.tools)->push_back(st.ident);
}
FLOW_END
FLOW_ACTION0(tool_text) {
  (st.disallowing ? st.agent.disallowed_tools : st.agent.tools)
      ->push_back(ast::Ident{st.str.value, st.str.span});
}
FLOW_END
FLOW_ACTION0(permission_mode_name) {
  st.agent.permission_mode = st.ident;
}
FLOW_END
FLOW_ACTION0(max_turns_count) {
  st.agent.max_turns = st.integer;
}
FLOW_END
FLOW_ACTION0(write_glob) {
  st.agent.writes->push_back(st.str);
}
FLOW_END
FLOW_ACTION0(role_name) {
  st.agent.role = st.ident;
}
FLOW_END
FLOW_ACTION0(prompt_text) {
  st.agent.prompt = st.str;
}
FLOW_END
FLOW_ACTION0(from_path) {
  st.agent.from = st.str;
}
FLOW_END
FLOW_ACTION(agent_decl) {
  st.agent.span = st.span_from(in.begin());
  st.out->agents.push_back(std::move(st.agent));
}
FLOW_END

FLOW_ACTION0(agents_dir) {
  st.agents.dir = st.str;
}
FLOW_END
FLOW_ACTION(agents_decl) {
  st.agents.span = st.span_from(in.begin());
  st.out->agent_dirs.push_back(std::move(st.agents));
}
FLOW_END

// ---------------------------------------------------------------- rule

FLOW_ACTION0(rule_reviewer) {
  st.rule.kind = ast::RuleDecl::Kind::EveryStepReviewedBy;
  st.rule.a = st.ident;
}
FLOW_END
FLOW_ACTION0(rule_limit) {
  st.rule.limit = st.integer;
  st.rule.amount = std::to_string(st.integer.value);
}
FLOW_END
FLOW_ACTION(rule_amount) {
  st.rule.amount = in.string();
}
FLOW_END
FLOW_ACTION0(rule_calls_word) { st.rule.kind = ast::RuleDecl::Kind::AtMostCalls; }
FLOW_END
FLOW_ACTION0(rule_tokens_word) { st.rule.kind = ast::RuleDecl::Kind::AtMostTokens; }
FLOW_END
FLOW_ACTION0(rule_dollars_word) { st.rule.kind = ast::RuleDecl::Kind::AtMostCost; }
FLOW_END
FLOW_ACTION0(rule_subject) {
  st.rule.a = st.ident;
}
FLOW_END
FLOW_ACTION0(rule_later) {
  st.rule.kind = ast::RuleDecl::Kind::Before;
  st.rule.b = st.ident;
}
FLOW_END
FLOW_ACTION0(rule_glob) {
  st.rule.kind = ast::RuleDecl::Kind::WritesOnly;
  st.rule.globs.push_back(st.str);
}
FLOW_END
FLOW_ACTION(rule_decl) {
  st.rule.span = st.span_from(in.begin());
  st.out->rules.push_back(std::move(st.rule));
}
FLOW_END

}  // namespace flow::actions

#pragma once
// PEGTL actions that turn matched text into the syntax tree of lang/ast.h. Leaf rules (names,
// strings, numbers, lists) leave their value in the ParseState; the named rule around them
// decides where it goes. Steps are built on a stack: a step is pushed when its core is seen,
// modifiers change the top, and a finished step moves into the block below it.
#include <string>

#include "lang/parse_action.h"
#include "lang/text.h"

namespace flow::actions {

// ---------------------------------------------------------------- tokens

FLOW_ACTION(sep) { st.last_token_end = st.offset(in.begin()); }
FLOW_END
FLOW_ACTION(ident) { st.ident = ast::Ident{in.string(), st.span_of(in)}; }
FLOW_END

FLOW_ACTION(string_open) {
  st.string_open = st.offset(in.begin());
  st.in_string = true;
  st.buf.clear();
}
FLOW_END
FLOW_ACTION(string_chunk) { st.buf.append(in.begin(), in.size()); }
FLOW_END
FLOW_ACTION(simple_escape) {
  char c = in.peek_char(0);
  st.buf += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
}
FLOW_END
FLOW_ACTION(unicode_escape) {
  // in is `u{XXXX}`; the backslash sits just before it.
  std::string digits(in.begin() + 2, in.size() - 3);
  uint32_t cp = static_cast<uint32_t>(std::stoul(digits, nullptr, 16));
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    st.fail<syntax::check::unicode_scalar>(st.offset(in.begin()) - 1, st.offset(in.end()), digits);
  text::append_utf8(st.buf, cp);
}
FLOW_END
FLOW_ACTION(line_string) {
  st.in_string = false;
  st.str = ast::String{st.buf, st.span_of(in)};
}
FLOW_END
FLOW_ACTION(raw_open) {
  st.string_open = st.offset(in.begin());
  st.in_string = true;
}
FLOW_END
FLOW_ACTION(raw_string) {
  st.in_string = false;
  std::string_view raw(in.begin() + 3, in.size() - 6);
  st.str = ast::String{text::strip_indentation(raw), st.span_of(in)};
}
FLOW_END

FLOW_ACTION(integer) {
  st.integer = ast::Integer{std::stoll(in.string()), st.span_of(in)};
}
FLOW_END

FLOW_ACTION(list_open) {
  st.list.clear();
  st.list_open = st.offset(in.begin());
}
FLOW_END
FLOW_ACTION0(list_item) { st.list.push_back(st.str); }
FLOW_END
FLOW_ACTION(list) { st.list_span = st.span_of(in); }
FLOW_END

// ---------------------------------------------------------------- flow, input, use

FLOW_ACTION(kw_flow) {
  uint32_t b = st.offset(in.begin()), e = st.offset(in.end());
  if (st.out->flow) st.fail<syntax::check::flow_twice>(b, e, {}, st.out->flow->span);
  if (st.statements_seen > 1) st.fail<syntax::check::flow_not_first>(b, e);
}
FLOW_END
FLOW_ACTION0(flow_name) { st.flow.name = st.ident; }
FLOW_END
FLOW_ACTION0(flow_description) { st.flow.description = st.str; }
FLOW_END
FLOW_ACTION(flow_decl) {
  st.flow.span = st.span_from(in.begin());
  st.out->flow = std::move(st.flow);
}
FLOW_END

FLOW_ACTION0(input_name) { st.input.name = st.ident; }
FLOW_END
FLOW_ACTION0(type_text) { st.input.type = ast::InputType::Text; }
FLOW_END
FLOW_ACTION0(type_number) { st.input.type = ast::InputType::Number; }
FLOW_END
FLOW_ACTION0(type_bool) { st.input.type = ast::InputType::Bool; }
FLOW_END
FLOW_ACTION0(type_list) { st.input.type = ast::InputType::List; }
FLOW_END
FLOW_ACTION(input_type) { st.input.type_span = st.span_from(in.begin()); }
FLOW_END
FLOW_ACTION0(value_string) {
  ast::Value v;
  v.kind = ast::Value::Kind::String;
  v.text = st.str.value;
  st.input.default_value = v;
}
FLOW_END
// value_integer derives from integer, so integer's own action does not run for it.
FLOW_ACTION(value_integer) {
  ast::Value v;
  v.kind = ast::Value::Kind::Integer;
  v.integer = std::stoll(in.string());
  st.input.default_value = v;
}
FLOW_END
FLOW_ACTION0(value_true) {
  ast::Value v;
  v.kind = ast::Value::Kind::Bool;
  v.boolean = true;
  st.input.default_value = v;
}
FLOW_END
FLOW_ACTION0(value_false) {
  ast::Value v;
  v.kind = ast::Value::Kind::Bool;
  st.input.default_value = v;
}
FLOW_END
FLOW_ACTION0(value_list) {
  ast::Value v;
  v.kind = ast::Value::Kind::List;
  v.list = st.list;
  st.input.default_value = v;
}
FLOW_END
FLOW_ACTION(default_value) { st.input.default_value->span = st.span_from(in.begin()); }
FLOW_END
FLOW_ACTION0(input_description) { st.input.description = st.str; }
FLOW_END
FLOW_ACTION(input_decl) {
  st.input.span = st.span_from(in.begin());
  st.out->inputs.push_back(std::move(st.input));
}
FLOW_END

FLOW_ACTION0(use_file) {
  st.use.is_file = true;
  st.use.target = st.str.value;
  st.use.target_span = st.str.span;
}
FLOW_END
FLOW_ACTION(module_path) {
  st.use.is_file = false;
  st.use.target = std::string(in.begin(), st.base + st.last_token_end);
  st.use.target_span = st.span_from(in.begin());
}
FLOW_END
FLOW_ACTION(use_decl) {
  st.use.span = st.span_from(in.begin());
  st.out->uses.push_back(std::move(st.use));
}
FLOW_END

}  // namespace flow::actions

#include "lang/parse_actions_agent.h"
#include "lang/parse_actions_step.h"

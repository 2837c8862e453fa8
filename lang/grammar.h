#pragma once
// The grammar of .flow files (docs/language.md, "Grammar (EBNF)"), one small PEGTL rule per
// construct. Conventions:
// * Every token rule swallows the whitespace and comments after it (`sep`), so when a rule
//   fails the input sits on the offending token and error carets land on it.
// * After an introducing keyword or delimiter the rest is wrapped in `must<>`: from there on a
//   mismatch is an error with a message (lang/syntax_errors.h), not a silent backtrack.
// * Rules the actions (lang/parse_actions.h) hang on get their own names, even when they only
//   wrap `ident` or `string`, so each place can say what it expected there.
#include <tao/pegtl.hpp>

namespace flow::grammar {

namespace p = tao::pegtl;

// ---------------------------------------------------------------- lexical structure

struct comment : p::seq<p::one<'#'>, p::star<p::not_one<'\n'>>> {};
struct blank : p::plus<p::one<' ', '\t', '\r', '\n'>> {};
struct sep : p::star<p::sor<blank, comment>> {};

struct ident_first : p::sor<p::alpha, p::one<'_'>> {};
struct ident_char : p::sor<p::alnum, p::one<'_'>> {};
struct ident_other : p::sor<ident_char, p::one<'-'>> {};

// A whole word: `agent` but not the start of `agents` or `agent-x`.
template <typename Str>
struct word : p::seq<Str, p::not_at<ident_other>> {};

#define FLOW_KEYWORD(name) \
  struct kw_##name : word<TAO_PEGTL_STRING(#name)> {}
FLOW_KEYWORD(after);
FLOW_KEYWORD(agent);
FLOW_KEYWORD(agents);
FLOW_KEYWORD(approve);
FLOW_KEYWORD(as);
FLOW_KEYWORD(check);
FLOW_KEYWORD(else);
FLOW_KEYWORD(flow);
FLOW_KEYWORD(from);
FLOW_KEYWORD(input);
FLOW_KEYWORD(over);
FLOW_KEYWORD(parallel);
FLOW_KEYWORD(retries);
FLOW_KEYWORD(review);
FLOW_KEYWORD(rule);
FLOW_KEYWORD(run);
FLOW_KEYWORD(sequence);
FLOW_KEYWORD(stage);
FLOW_KEYWORD(use);
FLOW_KEYWORD(uses);
FLOW_KEYWORD(when);
#undef FLOW_KEYWORD

struct reserved
    : p::sor<kw_after, kw_agent, kw_agents, kw_approve, kw_as, kw_check, kw_else, kw_flow,
             kw_from, kw_input, kw_over, kw_parallel, kw_retries, kw_review, kw_rule, kw_run,
             kw_sequence, kw_stage, kw_use, kw_uses, kw_when> {};

// Identifiers may hold dashes but not end in one: `code-review` is one name, while in
// `code-` the tail stops before the dash and `no_trailing_dash` reports it.
struct ident_tail : p::star<p::sor<ident_char, p::seq<p::plus<p::one<'-'>>, ident_char>>> {};
struct no_trailing_dash : p::not_at<p::one<'-'>> {};
// A dot between two name characters, for agent names such as `dotnet-framework-4.8-expert`
// that subagent files use. No other token starts with `.`, so this cannot be ambiguous.
struct ident_dotted_tail : p::star<p::one<'.'>, ident_char, ident_tail> {};
struct ident : p::seq<p::not_at<reserved>, ident_first, ident_tail, p::must<no_trailing_dash>,
                      ident_dotted_tail, p::must<no_trailing_dash>> {};

// "..." strings: one line, with escapes.
struct string_open : p::one<'"'> {};
struct string_chunk : p::plus<p::not_one<'"', '\\', '\n', '\r'>> {};
struct simple_escape : p::one<'"', '\\', 'n', 't', 'r'> {};
struct unicode_open : p::one<'{'> {};
struct unicode_digits : p::rep_min_max<1, 6, p::xdigit> {};
struct unicode_close : p::one<'}'> {};
struct unicode_escape
    : p::seq<p::one<'u'>, p::must<unicode_open>, p::must<unicode_digits>,
             p::must<unicode_close>> {};
struct escape_code : p::sor<simple_escape, unicode_escape> {};
struct escape : p::seq<p::one<'\\'>, p::must<escape_code>> {};
struct string_close : p::one<'"'> {};
struct line_string
    : p::seq<string_open, p::star<p::sor<string_chunk, escape>>, p::must<string_close>> {};

// """...""" strings: raw, may span lines; indentation is stripped by the action.
struct raw_open : p::three<'"'> {};
struct raw_body
    : p::star<p::sor<p::plus<p::not_one<'"'>>, p::seq<p::one<'"'>, p::not_at<p::two<'"'>>>>> {};
struct raw_close : p::three<'"'> {};
struct raw_string : p::seq<raw_open, raw_body, p::must<raw_close>> {};

struct string : p::sor<raw_string, line_string> {};

// At most 9 digits, so every integer fits comfortably in any counter.
struct integer_fits : p::not_at<p::digit> {};
struct integer : p::seq<p::digit, p::rep_opt<8, p::digit>, p::must<integer_fits>> {};

struct comma : p::seq<p::one<','>, sep> {};
struct semicolon : p::seq<p::one<';'>, sep> {};

struct list_open : p::seq<p::one<'['>, sep> {};
struct list_item : p::seq<string, sep> {};
struct list_close : p::one<']'> {};
struct list : p::seq<list_open, p::opt<list_item, p::star<comma, list_item>, p::opt<comma>>,
                     p::must<list_close>> {};

// ---------------------------------------------------------------- flow, input, use

struct flow_name : p::seq<ident, sep> {};
struct flow_description : p::seq<string, sep> {};
struct flow_decl : p::seq<kw_flow, sep, p::must<flow_name>, p::opt<flow_description>> {};

struct type_text : word<TAO_PEGTL_STRING("text")> {};
struct type_number : word<TAO_PEGTL_STRING("number")> {};
struct type_bool : word<TAO_PEGTL_STRING("bool")> {};
struct type_list : word<TAO_PEGTL_STRING("list")> {};
struct value_true : word<TAO_PEGTL_STRING("true")> {};
struct value_false : word<TAO_PEGTL_STRING("false")> {};
struct value_string : string {};
struct value_integer : integer {};
struct value_list : list {};

struct input_name : p::seq<ident, sep> {};
struct input_colon : p::seq<p::one<':'>, sep> {};
struct input_type : p::seq<p::sor<type_text, type_number, type_bool, type_list>, sep> {};
struct default_value
    : p::seq<p::sor<value_string, value_integer, value_true, value_false, value_list>, sep> {};
struct input_default : p::seq<p::one<'='>, sep, p::must<default_value>> {};
struct input_description : p::seq<string, sep> {};
struct input_decl : p::seq<kw_input, sep, p::must<input_name, input_colon, input_type>,
                           p::opt<input_default>, p::opt<input_description>> {};

// After a `/` any word will do, keywords included (`use lib/review`, as in the language
// reference); the first segment must be a plain name so that `use` followed by a newline and a
// statement is reported rather than swallowing the statement's keyword.
// Module names have no dots, so `use lib/x.flow` is not taken for a module called `x.flow`.
struct module_segment
    : p::seq<p::not_at<reserved>, ident_first, ident_tail, p::must<no_trailing_dash>> {};
struct module_word : p::seq<ident_first, ident_tail, p::must<no_trailing_dash>> {};
struct module_path : p::seq<module_segment, p::star<p::one<'/'>, p::must<module_word>>, sep> {};
struct use_file : p::seq<string, sep> {};
struct use_target : p::sor<use_file, module_path> {};
struct use_decl : p::seq<kw_use, sep, p::must<use_target>> {};

// ---------------------------------------------------------------- agent, agents

struct field_description_kw : word<TAO_PEGTL_STRING("description")> {};
struct field_model_kw : word<TAO_PEGTL_STRING("model")> {};
struct field_tools_kw : word<TAO_PEGTL_STRING("tools")> {};
struct field_disallowed_tools_kw : word<TAO_PEGTL_STRING("disallowed-tools")> {};
struct field_permission_mode_kw : word<TAO_PEGTL_STRING("permission-mode")> {};
struct field_max_turns_kw : word<TAO_PEGTL_STRING("max-turns")> {};
struct field_writes_kw : word<TAO_PEGTL_STRING("writes")> {};
struct field_role_kw : word<TAO_PEGTL_STRING("role")> {};
struct field_prompt_kw : word<TAO_PEGTL_STRING("prompt")> {};

struct description_text : p::seq<string, sep> {};
struct model_ident : ident {};
struct model_string : string {};
struct model_name : p::seq<p::sor<model_ident, model_string>, sep> {};
// A tool is a name, or a string for an entry with arguments: "Bash(git log:*)".
struct tool_word : p::seq<ident, sep> {};
struct tool_text : p::seq<string, sep> {};
struct tool_name : p::sor<tool_word, tool_text> {};
struct tool_list : p::seq<p::must<tool_name>, p::star<comma, p::must<tool_name>>> {};
// `tools []`: no tools at all, which is not the same as leaving `tools` out (every tool).
struct no_tools_close : p::seq<p::one<']'>, sep> {};
struct no_tools : p::seq<p::one<'['>, sep, p::must<no_tools_close>> {};
struct permission_mode_name : p::seq<ident, sep> {};
struct max_turns_count : p::seq<integer, sep> {};
struct write_glob : p::seq<string, sep> {};
struct role_name : p::seq<ident, sep> {};
struct prompt_text : p::seq<string, sep> {};

struct field_description : p::seq<field_description_kw, sep, p::must<description_text>> {};
struct field_model : p::seq<field_model_kw, sep, p::must<model_name>> {};
struct field_tools : p::seq<field_tools_kw, sep, p::sor<no_tools, tool_list>> {};
struct field_disallowed_tools : p::seq<field_disallowed_tools_kw, sep, tool_list> {};
struct field_permission_mode
    : p::seq<field_permission_mode_kw, sep, p::must<permission_mode_name>> {};
struct field_max_turns : p::seq<field_max_turns_kw, sep, p::must<max_turns_count>> {};
struct field_writes
    : p::seq<field_writes_kw, sep, p::must<write_glob>, p::star<comma, p::must<write_glob>>> {};
struct field_role : p::seq<field_role_kw, sep, p::must<role_name>> {};
struct field_prompt : p::seq<field_prompt_kw, sep, p::must<prompt_text>> {};
struct agent_field
    : p::sor<field_description, field_model, field_tools, field_disallowed_tools,
             field_permission_mode, field_max_turns, field_writes, field_role, field_prompt> {};

// A name where a field belongs: reported as an unknown field rather than an unclosed block.
struct unknown_field : p::at<ident> {};
struct agent_item
    : p::sor<p::seq<agent_field, p::opt<semicolon>>,
             p::seq<unknown_field, p::raise<unknown_field>>> {};
struct agent_open : p::seq<p::one<'<'>, sep> {};
struct agent_close : p::seq<p::one<'>'>, sep> {};
struct agent_body : p::seq<agent_open, p::star<agent_item>, p::must<agent_close>> {};

struct agent_name : p::seq<ident, sep> {};
struct from_path : p::seq<string, sep> {};
struct agent_from : p::seq<kw_from, sep, p::must<from_path>, p::opt<agent_body>> {};
struct agent_definition : p::sor<agent_body, agent_from> {};
struct agent_decl : p::seq<kw_agent, sep, p::must<agent_name, agent_definition>> {};

struct agents_from : p::seq<kw_from, sep> {};
struct agents_dir : p::seq<string, sep> {};
struct agents_decl : p::seq<kw_agents, sep, p::must<agents_from, agents_dir>> {};

// ---------------------------------------------------------------- steps

struct step;

struct block_kind : p::seq<p::sor<kw_parallel, kw_sequence>, sep> {};
struct block_open : p::seq<p::one<'<'>, sep> {};
struct block_close : p::seq<p::one<'>'>, sep> {};
struct block_steps : p::opt<step, p::star<semicolon, step>, p::opt<semicolon>> {};
// `< ; >` or `< a; ; b >`: a `;` where a step belongs is reported as a missing step.
struct stray_semicolon : p::at<p::one<';'>> {};
struct block_rest
    : p::seq<block_steps, p::opt<stray_semicolon, p::raise<step>>, p::must<block_close>> {};
struct keyword_block : p::seq<block_kind, p::must<block_open>, block_rest> {};
struct bare_block : p::seq<block_open, block_rest> {};
struct block : p::sor<keyword_block, bare_block> {};

struct run_command : p::seq<string, sep> {};
struct run_step : p::seq<kw_run, sep, p::must<run_command>> {};
struct approve_question : p::seq<string, sep> {};
struct approve_step : p::seq<kw_approve, sep, p::opt<approve_question>> {};

struct call_agent : p::seq<ident, sep> {};
struct call_focus : p::seq<string, sep> {};
struct over_items : p::seq<list, sep> {};
struct over_input : p::seq<ident, sep> {};
// `over STEP up to N`: the items come from STEP's answer, at most N of them. `up` and `to`
// are not reserved; nothing else may follow a call's `over NAME`, so they cannot be misread.
struct over_cap : p::seq<integer, sep> {};
struct over_up_to : p::seq<word<TAO_PEGTL_STRING("up")>, sep, word<TAO_PEGTL_STRING("to")>, sep,
                           p::must<over_cap>> {};
struct over_target : p::sor<over_items, p::seq<over_input, p::opt<over_up_to>>> {};
struct call_over : p::seq<kw_over, sep, p::must<over_target>> {};
struct call : p::seq<call_agent, p::opt<p::sor<call_focus, call_over>>> {};

struct step_core : p::sor<block, run_step, approve_step, call> {};

struct as_name : p::seq<ident, sep> {};
struct after_name : p::seq<ident, sep> {};
struct uses_name : p::seq<ident, sep> {};
// `when` conditions (docs/language.md, "Conditions"). `not`, `passed` and `cleanly` are not
// reserved: they are words only in these places.
struct cond_not : p::seq<word<TAO_PEGTL_STRING("not")>, sep, p::at<ident>> {};
struct cond_subject : p::seq<ident, sep> {};
struct cond_eq : p::seq<p::one<'='>, p::one<'='>, sep> {};
struct cond_ne : p::seq<p::one<'!'>, p::one<'='>, sep> {};
struct cond_value : p::seq<string, sep> {};
struct cond_compare : p::seq<p::sor<cond_eq, cond_ne>, p::must<cond_value>> {};
struct cond_cleanly : p::seq<word<TAO_PEGTL_STRING("cleanly")>, sep> {};
struct cond_passed : p::seq<word<TAO_PEGTL_STRING("passed")>, sep, p::opt<cond_cleanly>> {};
struct condition : p::seq<p::opt<cond_not>, p::must<cond_subject>,
                          p::opt<p::sor<cond_compare, cond_passed>>> {};
struct review_each : p::seq<word<TAO_PEGTL_STRING("each")>, sep, p::at<ident>> {};
struct reviewer : p::seq<ident, sep> {};
struct check_command : p::seq<string, sep> {};
struct check_verdict : p::seq<word<TAO_PEGTL_STRING("verdict")>, sep> {};
struct back_target : p::seq<ident, sep> {};
struct retries_count : p::seq<integer, sep> {};
struct else_stop : word<TAO_PEGTL_STRING("stop")> {};
struct else_continue : word<TAO_PEGTL_STRING("continue")> {};
struct else_ask : word<TAO_PEGTL_STRING("ask")> {};
struct else_action : p::seq<p::sor<else_stop, else_continue, else_ask>, sep> {};

struct mod_as : p::seq<kw_as, sep, p::must<as_name>> {};
struct mod_after
    : p::seq<kw_after, sep, p::must<after_name>, p::star<comma, p::must<after_name>>> {};
struct mod_uses : p::seq<kw_uses, sep, p::must<uses_name>, p::star<comma, p::must<uses_name>>> {};
struct mod_when : p::seq<kw_when, sep, condition> {};
struct mod_review : p::seq<kw_review, sep, p::opt<review_each>, p::must<reviewer>> {};
struct check_target : p::sor<check_command, check_verdict> {};
struct mod_check : p::seq<kw_check, sep, p::must<check_target>> {};
// `back to NAME` (not reserved words: `back` cannot otherwise follow a step).
struct mod_back : p::seq<word<TAO_PEGTL_STRING("back")>, sep, word<TAO_PEGTL_STRING("to")>, sep,
                         p::must<back_target>> {};
struct mod_approve : p::seq<kw_approve, sep, p::opt<approve_question>> {};
struct mod_retries : p::seq<kw_retries, sep, p::must<retries_count>> {};
struct mod_else : p::seq<kw_else, sep, p::must<else_action>> {};
struct modifier : p::sor<mod_as, mod_after, mod_uses, mod_when, mod_review, mod_check,
                         mod_approve, mod_retries, mod_else, mod_back> {};

struct step : p::seq<step_core, p::star<modifier>> {};

// ---------------------------------------------------------------- stage, rule

struct stage_name : p::seq<ident, sep> {};
struct stage_after_name : p::seq<ident, sep> {};
struct stage_after : p::seq<kw_after, sep, p::must<stage_after_name>,
                            p::star<comma, p::must<stage_after_name>>> {};
struct stage_when : p::seq<kw_when, sep, condition> {};
struct stage_decl : p::seq<kw_stage, sep, p::must<stage_name>, p::opt<stage_after>,
                           p::opt<stage_when>, p::must<step>> {};

// Rule words are not reserved, so `every` and `at` only commit when they cannot be the
// subject of `NAME before ...` / `NAME writes only ...`.
struct rule_before_kw : word<TAO_PEGTL_STRING("before")> {};
struct rule_writes_kw : word<TAO_PEGTL_STRING("writes")> {};
struct rule_relation_ahead : p::sor<rule_before_kw, rule_writes_kw> {};

struct rule_step_word : p::seq<word<TAO_PEGTL_STRING("step")>, sep> {};
struct rule_reviewed_word : p::seq<word<TAO_PEGTL_STRING("reviewed")>, sep> {};
struct rule_by_word : p::seq<word<TAO_PEGTL_STRING("by")>, sep> {};
struct rule_reviewer : p::seq<ident, sep> {};
struct rule_every : p::seq<word<TAO_PEGTL_STRING("every")>, sep, p::not_at<rule_relation_ahead>,
                           p::must<rule_step_word, rule_reviewed_word, rule_by_word,
                                   rule_reviewer>> {};

// `at most N calls`, `at most N tokens`, `at most N dollars` (N may have up to 6 decimals, and
// then only dollars may follow).
struct rule_most_word : p::seq<word<TAO_PEGTL_STRING("most")>, sep> {};
struct rule_fraction_fits : p::not_at<p::digit> {};
struct rule_fraction : p::seq<p::digit, p::rep_opt<5, p::digit>, p::must<rule_fraction_fits>> {};
struct rule_amount : p::seq<integer, p::one<'.'>, p::must<rule_fraction>> {};
struct rule_calls_word : p::seq<word<TAO_PEGTL_STRING("calls")>, sep> {};
struct rule_tokens_word : p::seq<word<TAO_PEGTL_STRING("tokens")>, sep> {};
struct rule_dollars_word : p::seq<word<TAO_PEGTL_STRING("dollars")>, sep> {};
struct rule_cost : p::seq<rule_amount, sep, p::must<rule_dollars_word>> {};
struct rule_limit : p::seq<integer, sep> {};
struct rule_unit : p::sor<rule_calls_word, rule_tokens_word, rule_dollars_word> {};
struct rule_count : p::seq<rule_limit, p::must<rule_unit>> {};
struct rule_bound : p::sor<rule_cost, rule_count> {};
struct rule_at_most : p::seq<word<TAO_PEGTL_STRING("at")>, sep, p::not_at<rule_relation_ahead>,
                             p::must<rule_most_word, rule_bound>> {};

struct rule_subject : p::seq<ident, sep> {};
struct rule_later : p::seq<ident, sep> {};
struct rule_before : p::seq<rule_before_kw, sep, p::must<rule_later>> {};
struct rule_only_word : p::seq<word<TAO_PEGTL_STRING("only")>, sep> {};
struct rule_glob : p::seq<string, sep> {};
struct rule_writes_only : p::seq<rule_writes_kw, sep, p::must<rule_only_word, rule_glob>,
                                 p::star<comma, p::must<rule_glob>>> {};
struct rule_relation : p::sor<rule_before, rule_writes_only> {};
struct rule_pair : p::seq<rule_subject, p::must<rule_relation>> {};
struct rule_body : p::sor<rule_every, rule_at_most, rule_pair> {};
struct rule_decl : p::seq<kw_rule, sep, p::must<rule_body>> {};

// ---------------------------------------------------------------- file

struct statement : p::sor<flow_decl, input_decl, use_decl, agents_decl, agent_decl, stage_decl,
                          rule_decl> {};
struct end_of_file : p::eof {};
// The whole language in one rule (for analyze() and for whole-file checks). The parser itself
// runs `statement` one at a time so it can recover after an error (lang/parser.cc).
struct file : p::seq<sep, p::star<statement>, p::must<end_of_file>> {};

}  // namespace flow::grammar

#pragma once
// Every syntax error message in one table: an `error_message<Rule>` for each grammar rule that
// may fail inside `must<>` (and for the few checks the actions make), read by the `control`
// below. The control is modelled on PEGTL's must_if: raising on a rule that has no entry here
// does not compile, so no error can reach a user without a code, a message and a help line.
//
// Message templates may hold `{open}` (replaced by "line:col" of the unclosed `<`, `[`, `"` or
// `"""`), `{}` (a detail such as a field name), `{char}` (the character at the error),
// `{word}` (the whole name or number around the error, which the caret then underlines) and
// `{found}` (what the input holds there, such as "`foo`" or "end of line"). Unless the message
// holds one of the last three, an error from the grammar ends with ", found ...".
#include <string_view>
#include <vector>

#include <tao/pegtl.hpp>

#include "lang/grammar.h"
#include "lang/syntax_error_kinds.h"

namespace flow {
namespace syntax {

// Which opening delimiter an error points back to with a secondary label.
enum class Opener { None, Block, List, String };

struct ErrorText {
  std::string_view code;  // empty: the rule has no message (must not raise)
  std::string_view message;
  std::string_view help = {};
  Opener opener = Opener::None;
};

template <typename Rule>
inline constexpr ErrorText error_message{};

// Errors found outside the grammar: by the actions, or by the parser around them.
namespace check {
struct invalid_byte;      // NUL or a byte that is not valid UTF-8 (checked before parsing)
struct nul_byte;
struct unicode_scalar;    // \u{...} naming a surrogate or a value past U+10FFFF
struct duplicate_field;   // an agent field given twice
struct flow_not_first;    // `flow` after another statement
struct flow_twice;        // a second `flow` header
struct too_deep;          // blocks nested more than kMaxDepth levels
struct after_stage;       // E0002 right after a stage, on its line: most likely a second step
}  // namespace check

inline constexpr int kMaxDepth = 256;

namespace g = grammar;
#define FLOW_ERROR(rule, ...) \
  template <>                 \
  inline constexpr ErrorText error_message<rule> = {__VA_ARGS__}

// E0001-E0002: bytes and statements
FLOW_ERROR(check::invalid_byte, "E0001", "invalid UTF-8 byte 0x{}",
           "flow files must be UTF-8; re-save the file as UTF-8");
FLOW_ERROR(check::nul_byte, "E0001", "NUL byte in source",
           "remove the NUL byte; flow files are UTF-8 text");
FLOW_ERROR(g::statement, "E0002", "expected a statement",
           "statements start with `flow`, `input`, `use`, `agent`, `agents`, `stage` or `rule`");
FLOW_ERROR(check::after_stage, "E0002", "expected a statement",
           "a stage runs one step; to run several, put them in a block: `< a; b >` or "
           "`parallel < a; b >`");
FLOW_ERROR(g::end_of_file, "E0002", "expected a statement",
           "statements start with `flow`, `input`, `use`, `agent`, `agents`, `stage` or `rule`");

// E0003: a name was expected
FLOW_ERROR(g::flow_name, "E0003", "expected a flow name after `flow`",
           "write `flow NAME \"description\"`");
FLOW_ERROR(g::input_name, "E0003", "expected an input name after `input`",
           "write `input NAME: TYPE`, for example `input feature: text`");
FLOW_ERROR(g::module_segment, "E0003", "expected a module name in the `use` path",
           "module paths are names separated by `/`, such as `std/policies`");
FLOW_ERROR(g::module_word, "E0003", "expected a module name after `/`",
           "module paths are names separated by `/`, such as `std/policies`");
FLOW_ERROR(g::agent_name, "E0003", "expected an agent name after `agent`",
           "write `agent NAME < ... >` or `agent NAME from \"file.md\"`");
FLOW_ERROR(g::tool_name, "E0003", "expected a tool name",
           "list tools separated by commas: `tools Read, Grep, \"Bash(git log:*)\"`; "
           "`tools []` gives none");
FLOW_ERROR(g::permission_mode_name, "E0003", "expected a permission mode after `permission-mode`",
           "the modes are default, acceptEdits, auto, dontAsk, bypassPermissions and plan");
FLOW_ERROR(g::role_name, "E0003", "expected a role after `role`",
           "the roles are `worker`, `coordinator` and `reviewer`");
FLOW_ERROR(g::stage_name, "E0003", "expected a stage name after `stage`",
           "write `stage NAME STEP`, for example `stage plan planner`");
FLOW_ERROR(g::stage_after_name, "E0003", "expected a stage name after `after`",
           "list the stages this one waits for: `after plan, research`");
FLOW_ERROR(g::as_name, "E0003", "expected a step name after `as`",
           "write `as NAME` to name the step");
FLOW_ERROR(g::after_name, "E0003", "expected a step or stage name after `after`",
           "list the steps or stages to wait for: `after plan, research`");
FLOW_ERROR(g::uses_name, "E0003", "expected a step name after `uses`",
           "list the steps whose output this step reads: `uses plan, research`");
FLOW_ERROR(g::cond_subject, "E0003", "expected an input or step name after `when`",
           "write `when INPUT`, `when not INPUT`, `when INPUT == \"text\"` or `when STEP passed`");
FLOW_ERROR(g::cond_value, "E0003", "expected a string after the comparison",
           "compare a `text` input with a string: `when mode == \"fast\"`");
FLOW_ERROR(g::reviewer, "E0003", "expected a reviewing agent after `review`",
           "write `review AGENT` or `review each AGENT`");
FLOW_ERROR(g::rule_reviewer, "E0003", "expected a reviewing agent after `reviewed by`",
           "write `rule every step reviewed by AGENT`");
FLOW_ERROR(g::rule_later, "E0003", "expected a stage or step name after `before`",
           "write `rule A before B`");

// E0004: a name ending in a dash
FLOW_ERROR(g::no_trailing_dash, "E0004", "name `{word}` ends with `-`",
           "names may contain `-` between letters or digits, as in `code-review`");

// E0005: a string was expected
FLOW_ERROR(g::description_text, "E0005", "expected a string after `description`",
           "write `description \"what the agent does\"`");
FLOW_ERROR(g::model_name, "E0005", "expected a model after `model`",
           "write `model sonnet` (opus, sonnet, haiku, inherit) or a quoted model id");
FLOW_ERROR(g::write_glob, "E0005", "expected a quoted glob pattern",
           "list patterns separated by commas: `writes \"docs/**\", \"src/*.cc\"`");
FLOW_ERROR(g::prompt_text, "E0005", "expected a string after `prompt`",
           "write the prompt as `\"...\"` or as a `\"\"\"` block over several lines");
FLOW_ERROR(g::from_path, "E0005", "expected a quoted file path after `from`",
           "write `agent NAME from \"agents/NAME.md\"`");
FLOW_ERROR(g::agents_dir, "E0005", "expected a quoted directory after `agents from`",
           "write `agents from \"agents/\"`");
FLOW_ERROR(g::use_target, "E0005", "expected a module path or a quoted file after `use`",
           "write `use std/policies` or `use \"common/agents.flow\"`");
FLOW_ERROR(g::run_command, "E0005", "expected a quoted command after `run`",
           "write `run \"make test\"`");
FLOW_ERROR(g::check_target, "E0005", "expected a quoted command or `verdict` after `check`",
           "write `check \"make test\"`, or `check verdict` to judge the step's own answer");
FLOW_ERROR(g::back_target, "E0020", "expected a step or stage name after `back to`",
           "write `back to STEP`, naming a step or stage that runs before this one");
FLOW_ERROR(g::over_cap, "E0022", "expected a number after `up to`",
           "write `over STEP up to 5`: at most 5 items");
FLOW_ERROR(g::rule_glob, "E0005", "expected a quoted glob pattern",
           "write `rule AGENT writes only \"docs/**\", \"src/**\"`");

// E0006-E0009: strings
FLOW_ERROR(g::string_close, "E0006", "expected `\"` to close the string opened at {open}",
           "a \"...\" string must end on the line it starts; use `\"\"\"` for several lines",
           Opener::String);
FLOW_ERROR(g::escape_code, "E0007", "unknown escape sequence `\\{char}`",
           "the escapes are \\\" \\\\ \\n \\t \\r and \\u{XXXX}; write \\\\ for a backslash",
           Opener::None);
FLOW_ERROR(g::unicode_open, "E0008", "expected `{` after `\\u`",
           "write a code point as \\u{1F600}: 1 to 6 hex digits in braces");
FLOW_ERROR(g::unicode_digits, "E0008", "expected 1 to 6 hex digits in `\\u{...}`",
           "write a code point as \\u{1F600}: 1 to 6 hex digits in braces");
FLOW_ERROR(g::unicode_close, "E0008", "expected `}` to end the `\\u{...}` escape",
           "write a code point as \\u{1F600}: 1 to 6 hex digits in braces");
FLOW_ERROR(check::unicode_scalar, "E0008", "`\\u{{}}` is not a Unicode scalar value",
           "code points run from 0 to 10FFFF, without the surrogates D800 to DFFF");
FLOW_ERROR(g::raw_close, "E0009", "expected `\"\"\"` to close the string opened at {open}",
           "end the multi-line string with `\"\"\"`", Opener::String);

// E0010-E0011: blocks and lists
FLOW_ERROR(g::block_close, "E0010", "expected `>` to close the block opened at {open}",
           "separate the steps of a block with `;` and end it with `>`", Opener::Block);
FLOW_ERROR(g::agent_close, "E0010", "expected `>` to close the block opened at {open}",
           "an agent block holds fields (description, model, tools, disallowed-tools, "
           "permission-mode, max-turns, writes, role, prompt) and ends with `>`",
           Opener::Block);
FLOW_ERROR(g::list_close, "E0011", "expected `]` to close the list opened at {open}",
           "separate the strings of a list with `,`: `[\"a\", \"b\"]`", Opener::List);

// E0012-E0013: integers
FLOW_ERROR(g::retries_count, "E0012", "expected a number after `retries`",
           "write `retries 2`; 0 to 20 are allowed");
FLOW_ERROR(g::rule_bound, "E0012", "expected a number after `at most`",
           "write `rule at most 40 calls`, `rule at most 500000 tokens` or "
           "`rule at most 2.50 dollars`");
FLOW_ERROR(g::rule_fraction, "E0012", "expected digits after the decimal point",
           "write an amount of dollars such as `2.50`");
FLOW_ERROR(g::rule_fraction_fits, "E0013", "amount `{word}` has more than 6 decimals",
           "amounts of dollars have at most 6 digits after the point");
FLOW_ERROR(g::max_turns_count, "E0012", "expected a number after `max-turns`",
           "write `max-turns 20`");
FLOW_ERROR(g::integer_fits, "E0013", "number `{word}` has more than 9 digits",
           "numbers in a flow are at most 999999999");

// E0014: a fixed word or symbol was expected
FLOW_ERROR(g::input_colon, "E0014", "expected `:` after the input name",
           "write `input NAME: TYPE`, for example `input feature: text`");
FLOW_ERROR(g::agents_from, "E0014", "expected `from` after `agents`",
           "write `agents from \"agents/\"`");
FLOW_ERROR(g::rule_step_word, "E0014", "expected `step` after `rule every`",
           "write `rule every step reviewed by AGENT`");
FLOW_ERROR(g::rule_reviewed_word, "E0014", "expected `reviewed` after `rule every step`",
           "write `rule every step reviewed by AGENT`");
FLOW_ERROR(g::rule_by_word, "E0014", "expected `by` after `reviewed`",
           "write `rule every step reviewed by AGENT`");
FLOW_ERROR(g::rule_most_word, "E0014", "expected `most` after `rule at`",
           "write `rule at most 40 calls`");
FLOW_ERROR(g::rule_unit, "E0014", "expected `calls`, `tokens` or `dollars` after the number",
           "write `rule at most 40 calls`, `rule at most 500000 tokens` or "
           "`rule at most 5 dollars`");
FLOW_ERROR(g::rule_dollars_word, "E0014", "expected `dollars` after an amount with a decimal point",
           "calls and tokens are whole numbers; an amount such as `2.50` is in dollars: "
           "`rule at most 2.50 dollars`");
FLOW_ERROR(g::rule_only_word, "E0014", "expected `only` after `writes`",
           "write `rule AGENT writes only \"glob\", ...`");
FLOW_ERROR(g::rule_body, "E0014", "expected a rule after `rule`",
           "rules are `every step reviewed by AGENT`, `at most N calls` (or `tokens`, `dollars`), "
           "`A before B` and "
           "`AGENT writes only \"glob\"`");
FLOW_ERROR(g::rule_relation, "E0014", "expected `before` or `writes only` after the name",
           "write `rule A before B` or `rule AGENT writes only \"glob\"`");
FLOW_ERROR(g::block_open, "E0014", "expected `<` after the block keyword",
           "write `parallel < a; b >` or `sequence < a; b >`");
FLOW_ERROR(g::no_tools_close, "E0014", "expected `]` after `tools [`",
           "`tools []` gives an agent no tools; list tools without brackets: `tools Read, Grep`");

// E0015-E0016: inputs
FLOW_ERROR(g::input_type, "E0015", "expected an input type",
           "the types are `text`, `number`, `bool` and `list`");
FLOW_ERROR(g::default_value, "E0016", "expected a default value after `=`",
           "a default is a string, a number, `true`, `false` or a list `[\"a\", \"b\"]`");

// E0017-E0019: agents
FLOW_ERROR(g::agent_definition, "E0017", "expected `<` or `from` after the agent name",
           "define the agent inline with `< ... >` or load it with `from \"file.md\"`");
FLOW_ERROR(g::unknown_field, "E0018", "unknown agent field {found}",
           "the fields are description, model, tools, disallowed-tools, permission-mode, "
           "max-turns, writes, role and prompt");
FLOW_ERROR(check::duplicate_field, "E0019", "field `{}` is given twice in this agent",
           "give each field at most once");

// E0020-E0022: steps
FLOW_ERROR(g::step, "E0020", "expected a step",
           "a step is an agent name, `run \"...\"`, `approve`, or a block `< a; b >`");
FLOW_ERROR(g::else_action, "E0021", "expected `stop`, `continue` or `ask` after `else`",
           "write `else stop`, `else continue` or `else ask`");
FLOW_ERROR(g::over_target, "E0022", "expected a list or an input name after `over`",
           "write `over [\"auth\", \"storage\"]` or `over INPUT` for a `list` input");

// E0023-E0024: file structure
FLOW_ERROR(check::flow_not_first, "E0023", "the `flow` header must come first",
           "move `flow ...` to the top of the file");
FLOW_ERROR(check::flow_twice, "E0023", "more than one `flow` header",
           "a file has at most one `flow` header; remove this one");
FLOW_ERROR(check::too_deep, "E0024", "nesting too deep (more than 256 levels)",
           "split deeply nested blocks into separate stages");

#undef FLOW_ERROR

// The control: PEGTL's normal<>, except that raising records which rule failed (and so which
// message applies) in the parse state before throwing. The state decides the exact span.
template <typename Rule>
struct control : tao::pegtl::normal<Rule> {
  template <typename ParseInput, typename... States>
  [[noreturn]] static void raise(const ParseInput& in, States&&... st) {
    static_assert(!error_message<Rule>.code.empty(),
                  "a rule that can raise needs an error_message<> in lang/syntax_errors.h");
    (st.record_error(error_message<Rule>, in.current()), ...);
    throw tao::pegtl::parse_error(std::string(error_message<Rule>.message), in);
  }
};

}  // namespace syntax
}  // namespace flow

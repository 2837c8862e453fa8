// One entry per syntax error code, for `flowc explain` and docs/diagnostics.md. The messages
// themselves (one per grammar rule) are in lang/syntax_errors.h.
#include "lang/syntax_errors.h"

#include <iterator>

namespace flow {

namespace {

// A table rather than code, so that it is read (and grown) one entry at a time.
constexpr SyntaxErrorKind kKinds[] = {
    {"E0001", "invalid byte in source",
     "A flow file must be UTF-8 text. A NUL byte, or a byte that does not start a valid "
     "UTF-8 sequence, is reported at the byte itself; other errors on that line are not "
     "reported. Wrong: a file saved as Latin-1 with `description \"caf\\xE9\"`. Right: the "
     "same file saved as UTF-8, `description \"café\"`."},
    {"E0002", "expected a statement",
     "Every statement starts with one of `flow`, `input`, `use`, `agent`, `agents`, `stage` "
     "or `rule`; anything else where a statement should begin is an error. Wrong: "
     "`stages plan planner`. Right: `stage plan planner`."},
    {"E0003", "expected a name",
     "A name (of a flow, input, agent, stage, step or tool) was expected. Names start with a "
     "letter or `_` and go on with letters, digits, `_`, `-` and `.` (a `.` only between "
     "two of the others); keywords such as `stage` or `review` are reserved. Wrong: `agent review < model sonnet >`. Right: "
     "`agent reviewer < model sonnet >`."},
    {"E0004", "name ends with a dash",
     "A dash may join the parts of a name but may not end it. Wrong: `stage plan- planner`. "
     "Right: `stage plan-1 planner`."},
    {"E0005", "expected a string",
     "This place takes a quoted string: a description, a path, a command or a pattern. "
     "Wrong: `run make test`. Right: `run \"make test\"`."},
    {"E0006", "unclosed string",
     "A `\"...\"` string must end with `\"` on the line where it starts. Wrong: "
     "`description \"Plans the work`. Right: `description \"Plans the work\"`, or a "
     "`\"\"\"` string for text over several lines."},
    {"E0007", "unknown escape sequence",
     "Inside `\"...\"` the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{XXXX}`. "
     "Wrong: `run \"grep \\d\"`. Right: `run \"grep \\\\d\"`, or a `\"\"\"` string, where "
     "backslashes are not escapes."},
    {"E0008", "invalid unicode escape",
     "`\\u{...}` takes 1 to 6 hex digits naming a Unicode scalar value: at most 10FFFF and "
     "not a surrogate (D800 to DFFF). Wrong: `\"\\u{D800}\"`, `\"\\u00e9\"`. Right: "
     "`\"\\u{e9}\"`."},
    {"E0009", "unclosed multi-line string",
     "A string that starts with `\"\"\"` runs to the next `\"\"\"`; the file ended first. "
     "Wrong: `prompt \"\"\"` followed by text and no closing quotes. Right: end the text "
     "with `\"\"\"` on its own line."},
    {"E0010", "unclosed block",
     "A `<` opening a block of steps or of agent fields must be closed with `>`. Inside a "
     "block, steps are separated by `;`. The message gives the line and column of the `<`. "
     "Wrong: `stage build parallel < backend; frontend`. Right: "
     "`stage build parallel < backend; frontend >`."},
    {"E0011", "unclosed list",
     "A list opened with `[` holds strings separated by `,` and ends with `]`. Wrong: "
     "`input areas: list = [\"auth\" \"storage\"]`. Right: "
     "`input areas: list = [\"auth\", \"storage\"]`."},
    {"E0012", "expected a number",
     "This place takes a whole number written in decimal digits. Wrong: `retries two`. "
     "Right: `retries 2`."},
    {"E0013", "number too long",
     "Numbers have at most 9 digits. Wrong: `rule at most 10000000000 calls`. Right: "
     "`rule at most 1000 calls`."},
    {"E0014", "expected a particular word or symbol",
     "The statement needs a fixed word or symbol here, such as the `:` after an input's "
     "name or the words of a rule. Wrong: `input feature text`. Right: "
     "`input feature: text`."},
    {"E0015", "unknown input type",
     "An input's type is `text`, `number`, `bool` or `list`. Wrong: "
     "`input count: int`. Right: `input count: number`."},
    {"E0016", "expected a default value",
     "After `=` an input takes its default: a string, a number, `true`, `false` or a list "
     "of strings. Wrong: `input open-prs: bool = yes`. Right: "
     "`input open-prs: bool = false`."},
    {"E0017", "expected an agent definition",
     "An agent is defined inline with a block of fields, or loaded from a subagent file. "
     "Wrong: `agent planner model sonnet`. Right: `agent planner < model sonnet >` or "
     "`agent planner from \"agents/planner.md\"`."},
    {"E0018", "unknown agent field",
     "An agent block holds only the fields `description`, `model`, `tools`, "
     "`disallowed-tools`, `permission-mode`, `max-turns`, `writes`, `role` and `prompt`. "
     "Wrong: `agent planner < modle sonnet >`. Right: "
     "`agent planner < model sonnet >`."},
    {"E0019", "agent field given twice",
     "Each field may appear once in an agent block. Wrong: "
     "`agent planner < model sonnet; model opus >`. Right: `agent planner < model opus >`."},
    {"E0020", "expected a step",
     "A stage (and each place in a block) takes a step: an agent name, `run \"command\"`, "
     "`approve`, or a block `< a; b >` optionally after `parallel` or `sequence`. Wrong: "
     "`stage build`. Right: `stage build builder`."},
    {"E0021", "unknown `else` action",
     "What happens when a gate's retries run out is `else stop`, `else continue` or "
     "`else ask`. Wrong: `review critic else retry`. Right: `review critic else ask`."},
    {"E0022", "expected a fan-out target",
     "`over` takes a list of strings or the name of a `list` input. Wrong: "
     "`research over \"auth\"`. Right: `research over [\"auth\"]` or "
     "`research over domains`."},
    {"E0023", "misplaced `flow` header",
     "A file has at most one `flow` header, and it comes before every other statement. "
     "Wrong: `input x: text` then `flow demo`. Right: `flow demo` then `input x: text`."},
    {"E0024", "nesting too deep",
     "Blocks may nest at most 256 levels deep; deeper input is rejected rather than "
     "risking the parser's stack. Wrong: a stage with 300 `<` one inside the other. Right: "
     "split the work into several stages."},
};

}  // namespace

const std::vector<SyntaxErrorKind>& syntax_error_kinds() {
  static const std::vector<SyntaxErrorKind> kinds(std::begin(kKinds), std::end(kKinds));
  return kinds;
}

}  // namespace flow

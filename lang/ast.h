#pragma once
// The syntax tree of one .flow file, as written: nothing is resolved here. Names are plain
// identifiers with spans; the compiler (compiler/resolve) binds them. Every node has the span
// of the text it came from. See docs/language.md for what each construct means.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lang/source.h"

namespace flow::ast {

struct Ident {
  std::string name;
  Span span;
};

struct String {
  std::string value;  // escapes processed; for """ strings, indentation removed
  Span span;
};

struct Integer {
  int64_t value = 0;
  Span span;
};

enum class InputType { Text, Number, Bool, List };

struct Value {
  enum class Kind { String, Integer, Bool, List };
  Kind kind = Kind::String;
  std::string text;          // Kind::String
  int64_t integer = 0;       // Kind::Integer
  bool boolean = false;      // Kind::Bool
  std::vector<String> list;  // Kind::List
  Span span;
};

struct FlowDecl {
  Ident name;
  std::optional<String> description;
  Span span;
};

struct InputDecl {
  Ident name;
  InputType type = InputType::Text;
  Span type_span;
  std::optional<Value> default_value;
  std::optional<String> description;
  Span span;
};

struct UseDecl {
  bool is_file = false;  // true: "relative/path.flow"; false: module path such as std/backend
  std::string target;
  Span span;  // the whole statement
  Span target_span;
};

struct AgentDecl {
  Ident name;
  std::optional<String> from;  // a Claude Code subagent markdown file
  // Fields written in the flow; an absent field keeps the file's value (or the default).
  std::optional<String> description;
  std::optional<String> model;  // written as an identifier or a string
  std::optional<std::vector<Ident>> tools;  // `tools []` gives an empty list
  std::optional<std::vector<Ident>> disallowed_tools;
  std::optional<Ident> permission_mode;
  std::optional<Integer> max_turns;
  std::optional<std::vector<String>> writes;
  std::optional<Ident> role;
  std::optional<String> prompt;
  Span span;
};

struct AgentsDecl {
  String dir;
  Span span;
};

struct Gate {
  // Verdict: `check verdict`, the gated step's own answer must say `VERDICT: PASS`.
  enum class Kind { Review, ReviewEach, Check, Approve, Verdict };
  Kind kind = Kind::Review;
  Ident reviewer;               // Review, ReviewEach
  std::optional<String> text;   // Check: the command; Approve: the question
  Span span;
};

enum class OnExhausted { Stop, Continue, Ask };

// What follows `when`: a `bool` input (`when deep`, `when not deep`), a `text` input compared
// with a string (`when mode == "fast"`, `!=`), or the outcome of an earlier step
// (`when validate passed`, `when validate passed cleanly`, either with `not`).
struct Condition {
  enum class Kind { Truth, Equals, NotEquals, Passed, PassedCleanly };
  Kind kind = Kind::Truth;
  bool negated = false;          // written with `not`
  Ident subject;                 // the input or the step
  std::optional<String> value;   // Equals, NotEquals
  Span span;                     // the whole condition
};
enum class BlockKind { Sequence, Parallel };

// `over ...` on an agent step: one call per item.
struct FanOut {
  std::optional<std::vector<String>> list;  // over literal items
  std::optional<Ident> input;               // over a list input, or a step's answer
  std::optional<Integer> cap;               // `up to N`: required over a step's answer
  Span span;                                // the items or the name
};

struct Step {
  enum class Kind { Call, Run, Approve, Block };
  Kind kind = Kind::Call;
  Span span;  // the step core, without modifiers

  // Kind::Call
  Ident agent;
  std::optional<String> focus;
  std::unique_ptr<FanOut> over;  // out of line: most steps have none, and a step is large

  // Kind::Run (the command) and Kind::Approve (the question, may be absent)
  std::optional<String> text;

  // Kind::Block
  BlockKind block = BlockKind::Sequence;
  bool block_keyword = false;  // `parallel`/`sequence` written (a bare `< >` is a sequence)
  Span open_span;              // the `<`, for "unclosed block" messages
  std::vector<Step> children;

  // Modifiers, in any order after the core
  std::optional<Ident> as;
  std::vector<Ident> after;
  std::vector<Ident> uses;
  std::unique_ptr<Condition> when;  // out of line: most steps have none, and a step is large
  std::vector<Gate> gates;  // in the order written
  std::optional<Integer> retries;
  std::optional<OnExhausted> on_exhausted;
  Span on_exhausted_span;
  // `back to NAME`: a failed gate re-runs from this step or stage (out of line: rare).
  std::unique_ptr<Ident> back_to;
};

struct StageDecl {
  Ident name;
  std::vector<Ident> after;
  std::unique_ptr<Condition> when;  // out of line: most steps have none, and a step is large
  Step body;
  Span span;
};

struct RuleDecl {
  enum class Kind { Before, EveryStepReviewedBy, AtMostCalls, WritesOnly, AtMostTokens,
                    AtMostCost };
  Kind kind = Kind::Before;
  Ident a;                   // Before: the earlier; EveryStepReviewedBy: reviewer; WritesOnly: agent
  Ident b;                   // Before: the later
  Integer limit;             // AtMostCalls, AtMostTokens
  std::string amount;        // AtMostCost: the dollars as written ("2.50", "5")
  std::vector<String> globs; // WritesOnly
  Span span;
};

// One parsed file. Statements of each kind keep their source order; stages' order is the
// pipeline's default order.
struct File {
  uint32_t source = 0;  // SourceMap file id
  std::optional<FlowDecl> flow;
  std::vector<InputDecl> inputs;
  std::vector<UseDecl> uses;
  std::vector<AgentDecl> agents;
  std::vector<AgentsDecl> agent_dirs;
  std::vector<StageDecl> stages;
  std::vector<RuleDecl> rules;
};

}  // namespace flow::ast

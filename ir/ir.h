#pragma once
// The intermediate representation: a flow lowered to a DAG of nodes. This is the only thing
// the runtime sees. Plain data; docs/ir.md documents the JSON form written by ir_json.h.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::ir {

inline constexpr int kVersion = 4;
// Read as well: version 3 is version 4 without gates' `per_item` (runs recorded by an older
// release still resume).
inline constexpr int kOldestReadVersion = 3;

// A source location. `file` indexes Flow::files (0: none); a flow compiled from source uses
// its SourceMap's ids, so the resolver and the lowering make locations without a table of
// their own. line == 0 means "no location" (e.g. a node synthesized by the compiler).
struct Loc {
  uint32_t file = 0;
  uint32_t line = 0, col = 0, end_line = 0, end_col = 0;
};

struct Input {
  std::string name;
  std::string type;  // "text" | "number" | "bool" | "list"
  // The default as compact JSON text (a string, number, bool or list of strings, by `type`),
  // so that this header needs no JSON library; absent: the input is required.
  std::optional<std::string> default_value;
  std::string description;
  Loc loc;
};

// An agent as declared: every Claude Code subagent field is kept, so a backend can run it
// exactly as its file says. "Not given" is kept apart from every given value.
struct Agent {
  std::string name;
  std::string description;
  std::string model;  // "" when unspecified; else opus/sonnet/haiku/inherit or a full id
  std::string role;   // "worker" | "coordinator" | "reviewer"
  std::optional<std::vector<std::string>> tools;  // nullopt: field absent (Claude Code's default set, every tool); {}: no tools
  std::vector<std::string> disallowed_tools;
  std::string permission_mode;   // "" = not given
  int max_turns = 0;             // 0 = not given
  std::vector<std::string> skills;
  std::string mcp_servers;       // the mcpServers value as compact JSON text; "" = not given
  std::string hooks;             // the hooks value as compact JSON text; "" = not given
  std::string memory, isolation, color, effort, initial_prompt;  // "" = not given
  bool background = false;
  std::vector<std::string> writes;  // glob patterns
  std::string prompt;
  std::string source;  // markdown file it was loaded from; "" when declared inline
  Loc loc;
};

enum class NodeKind { Agent, Command, Human, Gate };
enum class OnExhausted { Stop, Continue, Ask };

// One check of a gate. A gate's checks run in order; the first failure sends the work back.
struct Check {
  // Verdict: the answer of the agent step `step` (inside the gated unit) must say PASS.
  enum class Kind { Review, Command, Human, Verdict };
  Kind kind = Kind::Review;
  std::string agent;     // Review: the reviewing agent
  std::string step;      // Verdict: the node whose answer carries the verdict
  std::string command;   // Command: shell command that must exit 0
  std::string question;  // Human: what to ask ("" = a generic approval question)
  Loc loc;
};

// A `when` condition other than a plain `bool` input (those are in Node::when). A node runs
// only if all its conditions hold; else it is skipped.
struct Condition {
  enum class Kind { Input, Equals, Passed, PassedCleanly };
  Kind kind = Kind::Input;
  bool negated = false;          // `not`, or `!=` for Equals
  std::string name;              // Input, Equals: the input; Passed*: the step or stage
  std::string value;             // Equals: the text the input is compared with
  std::vector<uint32_t> nodes;   // Passed*: the step's nodes, its own gates included; sorted
  Loc loc;
};

struct Node {
  uint32_t id = 0;     // index in Flow::nodes
  NodeKind kind = NodeKind::Agent;
  std::string name;    // unique within the flow; gates are "<target>/gate"
  std::string stage;   // the stage this node belongs to
  std::vector<uint32_t> deps;       // nodes that must finish (and pass their gates) first; sorted
  std::vector<std::string> when;    // bool inputs that must all be true, else the node is skipped
  std::vector<Condition> conditions;  // must all hold too, else the node is skipped

  // NodeKind::Agent
  std::string agent;
  std::string focus;                 // "" = none
  std::vector<std::string> fanout;   // literal fan-out items (one call each)
  std::string fanout_input;          // or: a list input expanded at run time
  std::string fanout_step;           // or: the items an earlier agent step answers (`ITEM:` lines)
  int fanout_cap = 0;                // fanout_step: at most this many items (1 or more)
  bool is_fanout() const {
    return !fanout.empty() || !fanout_input.empty() || !fanout_step.empty();
  }

  // NodeKind::Command: run with /bin/sh -c
  std::string command;

  // NodeKind::Human: the approval question
  std::string question;

  // NodeKind::Gate: runs when all deps have finished
  std::string target;               // name of the gated step or block
  std::vector<uint32_t> members;    // every node re-run when the gate fails (inner gates too)
  std::vector<Check> checks;
  int retries = 2;                  // how many times the work may be sent back
  OnExhausted on_exhausted = OnExhausted::Stop;
  // `back to NAME`: the step or stage the work is sent back to ("" = the gated unit itself).
  // `members` then holds everything from NAME to the gate.
  std::string back_to;
  // `review each` on a fan-out: each item is reviewed, sent back and retried on its own, with
  // a budget of `retries` per item. Its members are the fan-out and the per-item gates inside
  // this one (over the same fan-out); its checks are reviews.
  bool per_item = false;

  Loc loc;
};

struct Stage {
  std::string name;
  std::vector<uint32_t> nodes;     // every node of the stage, in source order
  std::vector<std::string> after;  // stages it waits for (explicit or the previous one)
  Loc loc;
};

struct Rule {
  enum class Kind { Before, EveryStepReviewedBy, AtMostCalls, WritesOnly, AtMostTokens,
                    AtMostCost };
  Kind kind = Kind::Before;
  std::string a, b;                // Before: a before b; EveryStepReviewedBy/WritesOnly: a
  int64_t limit = 0;               // AtMostCalls, AtMostTokens
  double limit_usd = 0;            // AtMostCost
  std::vector<std::string> globs;  // WritesOnly
  Loc loc;
};

struct Flow {
  int version = kVersion;
  std::string name;
  std::string description;
  std::string source;  // the main .flow file
  std::vector<Input> inputs;
  std::vector<Agent> agents;
  std::vector<Stage> stages;
  std::vector<Node> nodes;  // in source order; deps may point either way (it is a DAG, not a list)
  std::vector<Rule> rules;
  std::vector<std::string> files{""};  // the files locations name (Loc::file); [0] is none

  const std::string& file_of(const Loc& loc) const {
    return loc.file < files.size() ? files[loc.file] : files[0];
  }
  const Agent* find_agent(const std::string& name) const;
  const Node* find_node(const std::string& name) const;
};

const char* to_string(NodeKind k);
const char* to_string(OnExhausted k);
const char* to_string(Check::Kind k);
const char* to_string(Rule::Kind k);
const char* to_string(Condition::Kind k);

// `{item}` in a `writes` pattern: in a fan-out, each item's call writes under a name of its own
// (docs/language.md, "Fan-out").
inline constexpr std::string_view kItemPlaceholder = "{item}";
// `pattern` for one item: `{item}` replaced by the item made one safe path segment (letters,
// digits, `.`, `-` and `_` kept, anything else `_`; never `.` or `..`).
std::string writes_for_item(std::string_view pattern, std::string_view item);
// `pattern` for any item (`{item}` as `*`): what another step must be compared with.
std::string writes_for_any_item(std::string_view pattern);

// How a name appears in the environment of a command (FLOW_INPUT_<this>, FLOW_OUTPUT_<this>):
// upper-cased, with `-` and `.` turned into `_` (docs/runtime.md, "Commands").
std::string env_suffix(const std::string& name);

// A condition as written in a flow: `not deep`, `mode == "fast"`, `validate passed cleanly`.
std::string describe(const Condition& c);

}  // namespace flow::ir

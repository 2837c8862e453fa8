#pragma once
// The intermediate representation: a flow lowered to a DAG of nodes. This is the only thing
// the runtime sees. Plain data; docs/ir.md documents the JSON form written by ir_json.h.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
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
  // False for an agent an IR file's nodes name but its /agents does not declare, kept so that
  // every agent id is an index in Flow::agents; validate() rejects a flow that has one, and
  // it is not written back.
  bool declared = true;
};

enum class NodeKind { Agent, Command, Human, Gate };
enum class OnExhausted { Stop, Continue, Ask };

// "No id" for a reference that is not set (a check kind that names no step, say).
inline constexpr uint32_t kNoId = UINT32_MAX;

// One check of a gate. A gate's checks run in order; the first failure sends the work back.
struct Check {
  // Verdict: the answer of the agent step `step` (inside the gated unit) must say PASS.
  enum class Kind { Review, Command, Human, Verdict };
  Kind kind = Kind::Review;
  uint32_t agent = kNoId;  // Review: the reviewing agent, an index in Flow::agents
  uint32_t step = kNoId;   // Verdict: the node whose answer carries the verdict
  std::string command;     // Command: shell command that must exit 0
  std::string question;    // Human: what to ask ("" = a generic approval question)
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

// What only one kind of node has. References are ids (indices in Flow::agents or
// Flow::nodes), bound once when the IR is made or read; names appear only on the wire.

// NodeKind::Agent
struct AgentCall {
  uint32_t agent = kNoId;            // index in Flow::agents
  std::string focus;                 // "" = none
  std::vector<std::string> fanout;   // literal fan-out items (one call each)
  std::string fanout_input;          // or: a list input expanded at run time
  uint32_t fanout_step = kNoId;      // or: the items an earlier agent node answers (`ITEM:` lines)
  int fanout_cap = 0;                // fanout_step: at most this many items (1 or more)
  bool is_fanout() const {
    return !fanout.empty() || !fanout_input.empty() || fanout_step != kNoId;
  }
};

// NodeKind::Command: run with /bin/sh -c
struct CommandRun {
  std::string command;
};

// NodeKind::Human: the approval question
struct Approval {
  std::string question;
};

// NodeKind::Gate: runs when all deps have finished
struct Gate {
  // The gated step or block, and `back to NAME`'s step or stage, stay names: a block or a stage
  // has no node of its own that an id could point at. Both are only shown (and validated).
  std::string target;
  std::vector<uint32_t> members;    // every node re-run when the gate fails (inner gates too)
  std::vector<Check> checks;
  int retries = 2;                  // how many times the work may be sent back
  OnExhausted on_exhausted = OnExhausted::Stop;
  // `review each` on a fan-out: each item is reviewed, sent back and retried on its own, with
  // a budget of `retries` per item. Its members are the fan-out and the per-item gates inside
  // this one (over the same fan-out); its checks are reviews.
  bool per_item = false;
  // `back to NAME`: the step or stage the work is sent back to ("" = the gated unit itself).
  // `members` then holds everything from NAME to the gate.
  std::string back_to;
};

// A node's kind is the alternative its payload holds, so the two cannot disagree. A variant
// rather than side tables indexed by node: a reader needs only the node in hand (no Flow), and
// the largest alternative (a gate) costs little over the common fields; with every kind's
// fields side by side a node took 544 bytes, most of them empty strings and vectors.
using Payload = std::variant<AgentCall, CommandRun, Approval, Gate>;

struct Node {
  uint32_t id = 0;         // index in Flow::nodes
  uint32_t stage = kNoId;  // index in Flow::stages
  std::string name;        // unique within the flow; gates are "<target>/gate"
  std::vector<uint32_t> deps;       // nodes that must finish (and pass their gates) first; sorted
  std::vector<std::string> when;    // bool inputs that must all be true, else the node is skipped
  std::vector<Condition> conditions;  // must all hold too, else the node is skipped
  Payload payload;
  Loc loc;

  NodeKind kind() const { return static_cast<NodeKind>(payload.index()); }
  // A fresh payload of kind `k` (every field at its default).
  void set_kind(NodeKind k);

  // The payload of the node's kind; asking for another kind's is a bug (std::bad_variant_access).
  const AgentCall& agent_call() const { return std::get<AgentCall>(payload); }
  AgentCall& agent_call() { return std::get<AgentCall>(payload); }
  const CommandRun& command_run() const { return std::get<CommandRun>(payload); }
  CommandRun& command_run() { return std::get<CommandRun>(payload); }
  const Approval& approval() const { return std::get<Approval>(payload); }
  Approval& approval() { return std::get<Approval>(payload); }
  const Gate& gate() const { return std::get<Gate>(payload); }
  Gate& gate() { return std::get<Gate>(payload); }
  // For readers that only ask: null when the node is of another kind.
  const AgentCall* if_agent_call() const { return std::get_if<AgentCall>(&payload); }
  const Gate* if_gate() const { return std::get_if<Gate>(&payload); }

  bool is_fanout() const {
    const AgentCall* a = if_agent_call();
    return a && a->is_fanout();
  }
  // The node whose answer an agent node's items come from; kNoId for any other node.
  uint32_t fanout_step() const {
    const AgentCall* a = if_agent_call();
    return a ? a->fanout_step : kNoId;
  }
  bool is_per_item_gate() const {
    const Gate* g = if_gate();
    return g && g->per_item;
  }
};
static_assert(std::variant_size_v<Payload> == 4 &&
              std::is_same_v<std::variant_alternative_t<size_t(NodeKind::Gate), Payload>, Gate>,
              "the payload's alternatives are in NodeKind's order");
// A flow of 100k steps has about 150k nodes: every byte here is 150 kB to allocate and touch.
static_assert(sizeof(Node) <= 288, "keep kind-specific fields in the payload");

struct Stage {
  std::string name;
  std::vector<uint32_t> nodes;     // every node of the stage, in source order
  std::vector<std::string> after;  // stages it waits for (explicit or the previous one)
  Loc loc;
  // False for a stage an IR file's nodes name but its /stages does not declare (hand-written
  // IR may leave stages out), kept so that Node::stage is always an index; such a stage is
  // not written back, and validate() accepts it only when no stage is declared at all.
  bool declared = true;
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
  // What an id names; "" for kNoId or an id out of range (a node built by hand).
  const std::string& agent_name(uint32_t agent) const;
  const std::string& node_name(uint32_t node) const;
  const std::string& stage_name(uint32_t stage) const;
  const std::string& stage_of(const Node& n) const { return stage_name(n.stage); }
  // The agent an agent node calls; null for another kind or an id out of range.
  const Agent* agent_of(const Node& n) const;

  // By a name a user wrote (a command line, a test): one linear scan. Code that resolves
  // many names builds an index instead (ir_json's reader, the compiler's NameIndex).
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

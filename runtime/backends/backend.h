#pragma once
// Agent backends behind one interface. A backend turns a composed prompt into an answer; it
// knows nothing about the DAG, gates or the run store. Implementations: `sim` (simulated
// agents, backend_sim.cc), `command` (a program given as argv, backend_command.cc) and a fake
// for tests (tests only).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/engine/cancel.h"

namespace flow::rt {

struct AgentRequest {
  std::string flow;        // flow name
  std::string run_id;
  std::string run_dir;
  std::string step;        // IR node name ("plan", or "plan/gate" for a review)
  std::string target;      // for a review: the gated step's name; "" otherwise
  std::string agent;
  std::string model;       // "" when the agent names none
  std::string role;        // the agent's role: worker | coordinator | reviewer
  bool review = false;     // true: the answer must carry a verdict (docs/runtime.md)
  int attempt = 1;         // 1-based; a reworked step gets 2, 3, ...
  int index = -1;          // fan-out item or gate check; -1 when neither
  std::string prompt;      // the composed prompt
  std::string prompt_file; // where the prompt was saved (relative to the current directory)
  // For backends that run the agent program themselves (`claude`): the agent's own prompt
  // (its system prompt), the rest of the composed prompt (the user message), and the agent's
  // Claude Code fields as the IR gives them.
  std::string system_prompt{};  // (initializers keep positional construction warning-free)
  std::string user_message{};
  std::optional<std::vector<std::string>> tools{};  // nullopt: absent (the CLI's default set)
  std::vector<std::string> disallowed_tools{};
  std::vector<std::string> writes{};  // glob patterns; empty: no scope declared
  std::string permission_mode{};    // "" = not given
  int max_turns = 0;                // 0 = not given
  std::string mcp_servers{};        // JSON text; "" = none
  // `check verdict`: the gate that reads this step's own verdict line; "" when none does.
  std::string verdict_gate{};
  // A fan-out takes its items from this step's answer: at most this many (0 = none does).
  int item_cap = 0;
  // For backends that start the agent as a program: the Landlock ruleset it runs confined to
  // (write_guard.h; -1 = none) and the TMPDIR made for it ("" = the usual one).
  int landlock_ruleset = -1;
  std::string tmpdir{};
  // A review of one fan-out item (`review each` on a fan-out): `index` is the item.
  bool item_review = false;
};

// What one call cost, as the agent program reports it (the `claude` backend does).
struct AgentUsage {
  bool known = false;  // false: the backend reports nothing (sim, command)
  bool cost_known = true;  // false: tokens are known, the price of the model is not
  double cost_usd = 0;
  int64_t input_tokens = 0, output_tokens = 0, cache_read_tokens = 0, cache_creation_tokens = 0;
  int num_turns = 0;
  std::string session_id;
};

struct AgentResult {
  bool ok = false;
  std::string output;  // the answer (markdown); for a failure, whatever was produced
  std::string error;   // when !ok: what went wrong, with the stderr tail for programs
  // When !ok: another call may well succeed (the program ran and failed: a non-zero exit or a
  // crash). Not for a program that cannot be started, a timeout or an interrupt.
  bool retryable = false;
  AgentUsage usage{};
  // What the agent's programs printed beside the answer, where writes the kernel refused are
  // looked for (write_guard.h): a command's stderr, Claude Code's failed tool results.
  std::string tool_errors{};
  // Events for the run's log beyond the `attempt` event: BackendEvents (store/events.h) as
  // backend_event_text() writes them; the scheduler reads them back and adds the step, kind,
  // attempt and index. The API backends report HTTP retries and refused writes this way.
  std::vector<std::string> events{};
};

// How a failed call is tried again (docs/config.md): up to `retries` more calls, the first
// after a random time between half of `delay_ms` and all of it, each next one after twice as
// long. Distinct from gate retries, which send work back with feedback.
struct RetryPolicy {
  int retries = 0;
  int delay_ms = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual bool simulated() const { return false; }
  // Whether a call for `request` can change the working tree. Only then does the scheduler
  // snapshot the tree before and after the call to check the agent's write scope: the
  // snapshots walk the whole tree, twice per call.
  virtual bool may_change_files(const AgentRequest& /*request*/) const { return !simulated(); }
  // Whether the agent runs as a program this backend starts (with run_subprocess, passing on
  // the request's landlock_ruleset and tmpdir): the kernel can then confine its writes.
  virtual bool confinable() const { return false; }
  virtual RetryPolicy retry_policy() const { return {}; }
  // Called from worker threads, possibly several at once. Must return promptly once
  // `cancel` is requested.
  virtual AgentResult call(const AgentRequest& request, Cancel* cancel) = 0;
  // Checked once per run before anything is dispatched (e.g. the program's version). False
  // with *error set when the backend cannot serve this run.
  virtual bool check_ready(std::string* /*error*/) { return true; }
};

// --- sim ---------------------------------------------------------------------------------------

struct SimFailReview {
  std::string step;  // gated step name or gate name, as written: `STEP[K]` for item K (below)
  int times = 1;     // FAIL for the first `times` attempts
};

// `--sim-fail-review STEP[K]:N`: the reviews of item K (from 1) of a `review each` fan-out
// fail, not the others'. Kept inside the step's text, so run.json records it as written.
struct SimTarget {
  std::string name;
  int item = 0;  // 1-based; 0: every item (or a gate that reviews the whole work)
};
SimTarget sim_target(const std::string& step);

struct SimOptions {
  uint64_t seed = 1;
  int latency_min_ms = 0, latency_max_ms = 0;  // a random latency in [min, max] per call
  std::vector<SimFailReview> fail_review;
  std::vector<std::string> fail_step;
  // `--sim-items STEP:K`: STEP answers K `ITEM:` lines (times = K), for a fan-out over it.
  std::vector<SimFailReview> items;
  // `--sim-cost USD` / `--sim-tokens N`: the usage each call reports (for budgets); none if 0.
  double cost_per_call = 0;
  int64_t tokens_per_call = 0;
};

// Parses "MS" or "A-B" into a latency range. Returns false on anything else.
bool parse_sim_latency(const std::string& text, int* min_ms, int* max_ms);
// Parses "STEP", "STEP:N", "STEP[K]" or "STEP[K]:N" (K from 1).
bool parse_sim_fail_review(const std::string& text, SimFailReview* out);

std::unique_ptr<Backend> make_sim_backend(const SimOptions& options);

// --- command -----------------------------------------------------------------------------------

struct CommandBackendSpec {
  std::string name;
  std::vector<std::string> argv;  // run directly; placeholders (kCommandPlaceholders) replaced
  std::string shell;              // or: a /bin/sh -c command line (only when the user asks)
  int timeout_ms = 0;             // 0 = no limit
  RetryPolicy retry{2, 5000};     // real agents fail now and then (a network blip)
  std::string kind = "command";   // "command", or "claude" for the built-in Claude Code backend
};

std::unique_ptr<Backend> make_command_backend(const CommandBackendSpec& spec);

// The placeholders a command's arguments may hold, e.g. "{model}"; anything else in braces is
// a configuration error.
extern const char* const kCommandPlaceholders[];
// The first `{name}` in `arg` that is not a known placeholder; "" when there is none.
std::string unknown_placeholder(const std::string& arg);
// Where the agent's own prompt is saved for a call: beside its prompt file, as STEP.aN.system.md.
std::string system_prompt_path(const std::string& prompt_file);

// --- claude ------------------------------------------------------------------------------------

// The Claude Code CLI in print mode, one process per call (backend_claude.cc). `spec.argv[0]`
// is the program; `spec.argv[1..]` are extra arguments put before flow's own.
std::unique_ptr<Backend> make_claude_backend(const CommandBackendSpec& spec);
// The oldest Claude Code version the `claude` backend is built and tested for.
extern const char* const kClaudeMinVersion;

// Built-in command lines for well-known tools ("claude", "codex", "llm", "ollama"); false if
// `name` is not one of them.
bool builtin_command_backend(const std::string& name, CommandBackendSpec* spec);

}  // namespace flow::rt

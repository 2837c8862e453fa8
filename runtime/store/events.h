#pragma once
// The events of a run, typed: one plain struct per kind listed in events.def, and `Event`, the
// stamp the event log gives each one (seq, ts, ms) with its body. Emitters build these structs;
// readers (the status lines, the summary, the reports, replay on resume, budgets, `flow runs`)
// std::visit or get_if them. Only runtime/store/event_json.cc knows their JSON form;
// docs/runtime.md (`events.jsonl`) lists the fields as they appear on disk.
//
// A field that some events of a kind do not carry is a std::optional (absent on disk when
// empty). Every field has a default initializer, so an event names only the fields it sets
// (`ev::WriteRefused{.by = "kernel", .path = p}`) without -Wmissing-field-initializers. Events
// read back from a damaged log are read leniently (event_json.cc): a field that is missing or
// of another type reads as empty, 0 or false, as the readers of untyped events did.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flow::rt {
namespace ev {

// Where a call's events belong: its step, the kind of call, its attempt and, for a fan-out
// item or a gate's check, the index.
struct CallPlace {
  std::string step{}, kind{};
  int64_t attempt = 0;
  std::optional<int64_t> index{};
};

// --- the run ---

struct RunStart {
  std::string run{}, flow{}, backend{};  // backend: the backends in use, ", "-separated
  bool simulated = false;
  int64_t jobs = 0;
  std::string inputs = "{}";  // a JSON object's text, keys sorted; values are free-form
  int64_t steps = 0, gates = 0;
};
struct RunResume {
  std::string run{};
  int64_t finished = 0;  // steps a resumed run had finished (as the live view counts them)
};
struct LeftoverKilled {
  int64_t pgid = 0, pid = 0;
};
struct Interrupted {
  std::string signal{};  // "SIGINT", "SIGTERM"
};
struct RunEnd {
  std::string status{};  // succeeded, failed, interrupted, budget_exhausted
  std::optional<std::string> error{};
  int64_t duration_ms = 0;
};
struct Fail {
  std::string step{};  // "" for a failure of the run itself
  std::string error{};
};
struct BudgetExhausted {
  std::string reason{};
  int64_t calls = 0;
  double cost_usd = 0;
  int64_t tokens = 0;
  std::optional<int64_t> max_calls{};
  std::optional<double> max_cost_usd{};
  std::optional<int64_t> max_tokens{};
};
struct BudgetUnknownCost {
  std::string step{};
};

// --- steps and their calls ---

struct Skip {
  std::string step{}, reason{};
};
struct Dispatch {
  std::string step{}, stage{};
  int64_t attempt = 0;
  std::optional<int64_t> index{};
  std::string kind{};  // agent, command, human, review, check, verdict
  std::optional<std::string> agent{}, model{}, backend{};  // agent and review calls
};
struct CallRetry {
  CallPlace at{};
  int64_t call = 0, calls = 0;  // the call that failed, of how many allowed
  std::string error{};
  int64_t delay_ms = 0;
};
// Cost and tokens of a call whose backend reported them.
struct CallUsage {
  std::optional<double> cost_usd{};  // empty: tokens known, the model has no price (null on disk)
  int64_t input_tokens = 0, output_tokens = 0, cache_read_tokens = 0, cache_creation_tokens = 0;
  int64_t turns = 0;
  std::optional<std::string> session_id{};
};
struct Attempt {
  CallPlace at{};
  std::optional<std::string> agent{};  // agent and review calls
  bool ok = false;
  int64_t duration_ms = 0;
  std::optional<std::string> output{}, prompt{};  // files relative to the run directory
  std::string output_hash{};
  int64_t bytes = 0;
  std::optional<std::string> error{};
  std::optional<CallUsage> usage{};
};
struct Items {
  std::string step{};
  int64_t attempt = 0;
  std::string from{};
  int64_t cap = 0;
  std::vector<std::string> items{};
};
struct Done {
  std::string step{};
  int64_t attempt = 0;
  std::string output{}, output_hash{};
  std::optional<int64_t> items{};  // fan-outs: how many items
};

// --- gates ---

struct Verdict {
  std::string gate{}, step{};
  int64_t attempt = 0;
  std::optional<int64_t> index{};  // the check; for a per-item gate, the item
  std::string check{};             // review, command, human, verdict
  std::string verdict{};           // PASS, FAIL
  std::string feedback{};
  std::optional<int64_t> check_index{};  // a per-item gate's check
  std::optional<std::string> reason{}, agent{}, command{};
  std::optional<int64_t> duration_ms{};  // always written; absent only in a damaged line
  std::optional<double> cost_usd{};
};
struct GatePass {
  std::string gate{}, step{};
  int64_t attempt = 0;
  bool unapproved = false;
};
struct Retry {
  std::string gate{};
  std::optional<int64_t> index{};  // the item, for a per-item gate
  int64_t attempt = 0, retries = 0;
  std::optional<int64_t> sent_back{};  // always written; absent only in a damaged line
  std::string feedback{};
  std::vector<std::string> steps{};  // the steps that run again
};
struct Rework {
  std::string gate{};
  std::optional<int64_t> index{};
  std::string step{};
  int64_t attempt = 0, retries = 0;
  std::string reason{}, feedback{};
  std::vector<std::string> steps{};
};
struct Exhausted {
  std::string gate{};
  std::optional<int64_t> index{};
  std::string step{};
  int64_t attempts = 0;
  std::string action{};  // the gate's `else`: stop, continue, ask
  std::string feedback{};
  std::optional<bool> accepted{};  // absent in a damaged line: then as `action` says
  std::optional<std::string> how{}, reply{};
};

// --- people ---

struct ApprovalWait {
  std::string step{}, question{}, kind{}, run{};
};
struct Approval {
  std::string step{}, question{};
  bool approved = false;
  std::string how{};
  std::optional<std::string> who{}, comment{}, feedback{};
};
struct ApprovalNotify {
  std::string step{};
  bool ok = false;
  std::string error{};
};

// --- what a backend saw during one call ---

struct ApiRetry {
  CallPlace at{};
  int64_t delay_ms = 0, http_attempt = 0;
  std::string reason{};
  int64_t status = 0;
  int64_t turn = 0;
};
struct WriteRefused {
  CallPlace at{};
  std::string by{};  // kernel, tool, claude
  std::string path{};
  std::optional<std::string> tool{};
  std::optional<int64_t> turn{};
};
struct ToolsUnavailable {
  CallPlace at{};
  std::string agent{}, backend{};
  std::vector<std::string> tools{};
};
struct WriteScopesUnconfined {
  CallPlace at{};
  std::string reason{};
};

// A line whose kind this version does not know (or whose "event" is not a string): kept as
// it was, so `flow show` and the report can still list it; every other reader skips it.
struct Unknown {
  std::string event{};  // its "event" value ("" when not a string)
  std::string json{};   // the whole line, stamp included
};

}  // namespace ev

using EventBody = std::variant<
#define FLOW_EVENT(TYPE, WIRE) ev::TYPE,
#include "runtime/store/events.def"
#undef FLOW_EVENT
    ev::Unknown>;

// What a backend reports of one call, before the scheduler places it with the call's step.
using BackendEvent = std::variant<ev::ApiRetry, ev::WriteRefused, ev::ToolsUnavailable,
                                  ev::WriteScopesUnconfined>;

// One line of events.jsonl: the stamp the event log gives, and the event.
struct Event {
  int64_t seq = 0;
  std::string ts;   // UTC, ISO 8601 with milliseconds
  int64_t ms = 0;   // since the event log was opened by this process
  EventBody body;
};

// The wire name of an event's kind ("dispatch"); an Unknown's own "event" value.
const char* event_name(const EventBody& body);

// The call an event belongs to, for the kinds that carry a CallPlace; null for the others.
const ev::CallPlace* call_place(const EventBody& body);

// The line of events.jsonl for an event, without its newline (runtime/store/event_json.cc).
// `ascii`: every character beyond ASCII as a \uXXXX escape (for `flow run --json` on a terminal).
std::string event_line(const Event& event, bool ascii = false);
// Reads a line back. False when it is not a JSON object with an "event" (a damaged line);
// anything else reads, its damaged fields as empty (events.h, above) and an unknown kind as
// ev::Unknown, so no reader meets an exception or a crash.
bool parse_event_line(std::string_view line, Event* event);
// An event's fields without the stamp and the kind, as a JSON object's text with its keys in
// alphabetical order (the report lists every event so, kinds it does not know included).
std::string event_fields_text(const Event& event);

// A backend's event as it travels in AgentResult::events: its JSON object without the stamp
// and the call's place, which the scheduler adds; and back (false: not such an event).
std::string backend_event_text(const BackendEvent& event);
bool parse_backend_event(std::string_view text, BackendEvent* event);

}  // namespace flow::rt

#pragma once
// A finished or unfinished run read back as a whole, for the tools that show it after the fact:
// `flow report` (an HTML page) and `flow export --otlp-json` (OpenTelemetry traces). Built from
// run.json, ir.json and events.jsonl only; agent-made text stays raw here (each writer escapes
// it for its own format).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/store/events.h"

namespace flow::rt {

// One call: a `dispatch` event and the `attempt` event that ended it (none yet for a call that
// was still running when the run stopped). Agent calls, review and command checks of gates,
// command steps and approvals alike.
struct CallRecord {
  std::string step, stage, kind, agent, model, backend;
  int64_t attempt = 0;
  int64_t index = -1;          // fan-out item or gate check; -1 when absent
  bool item_review = false;    // a per-item gate's review (its verdict says): `index` is the item
  int64_t start_ms = 0;        // unix milliseconds, from the events' `ts`
  int64_t end_ms = 0;          // 0 while unfinished
  bool finished = false, ok = false;
  std::string error, prompt_file, output_file;  // files relative to the run directory
  std::string verdict, feedback;                // a gate check's `verdict` event
  int backend_retries = 0;                      // `call_retry` events of this call
  std::vector<std::string> refused;             // its `write_refused` events: "PATH (by whom)"
  std::optional<ev::Attempt> end_event;         // the `attempt` event that ended it (usage)
};

struct RunView {
  std::string id, dir, flow, status;
  std::string started;                  // run.json's `started`
  std::vector<std::pair<std::string, std::string>> inputs;  // run.json's inputs; values as text
  std::string ir;                       // ir.json's text; "" when missing or not a JSON object
  std::vector<Event> events;            // events.jsonl, in order
  std::vector<CallRecord> calls;        // in dispatch order
  int64_t start_ms = 0, end_ms = 0;     // first and last event (unix ms)
  // Calls by "step\x1fattempt\x1findex": still open, and the latest (for its verdict).
  std::map<std::string, size_t> open_calls, last_calls;
};

// Reads DIR (a run directory). False with a message when run.json or events.jsonl cannot be
// read or is damaged; a missing ir.json is not an error (the DAG is then left out).
bool load_run_view(const std::string& dir, RunView* view, std::string* error);

// Fills `calls`, `start_ms` and `end_ms` from `view->events`.
void index_run_events(RunView* view);
// The same for one more event (not added to `events`): for the live OTLP export. Returns the
// call the event ended or judged (an `attempt` or a `verdict`), or -1.
int64_t add_run_event(RunView* view, const Event& event);

// "2026-11-21T10:15:00.123Z" → unix milliseconds; -1 when it is not that form.
int64_t parse_iso_ms(const std::string& ts);

// The run's status as `flow runs` shows it: "crashed" for a run left `running` with no
// process holding its lock, "waiting" for a running one whose question waits for a person.
// `recorded` is the status run.json holds ("" when it has none).
std::string run_live_status(const std::string& dir, const std::string& recorded);

}  // namespace flow::rt

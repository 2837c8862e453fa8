#pragma once
// What the user sees while a run goes, fed by the same events that go to events.jsonl:
// one plain line per event (CI logs), a live redrawn view on a terminal, or JSON lines
// (--json). Like ninja's Status, the scheduler does not know which one it talks to.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/ir.h"
#include "runtime/usage.h"

namespace flow::rt {

using ojson = nlohmann::ordered_json;

class Status {
 public:
  virtual ~Status() = default;
  virtual void begin(const ir::Flow&) {}              // before the first event: the stages
  virtual void message(const std::string& line) = 0;  // banner, final report
  virtual void event(const ojson& e) = 0;
  virtual void tick() {}                              // periodic redraw
  virtual bool wants_ticks() const { return false; }
  virtual void finish() {}                            // before the summary is printed
};

std::unique_ptr<Status> make_plain_status(FILE* out);
std::unique_ptr<Status> make_tty_status(FILE* out, bool color = true);
std::unique_ptr<Status> make_quiet_status(FILE* out);  // -q: failures and the final messages
std::unique_ptr<Status> make_json_status(FILE* events_out, FILE* messages_out);

// One line for an event, as the plain status prints it ("[  1.2s] done  plan ..."). Every
// Status prints only printable() text (runtime/printable.h): agent-made text cannot control
// the terminal.
std::string format_event(const nlohmann::json& e);

// Per-step totals built from events; printed at the end of a run and by `flow show`.
class Summary {
 public:
  void add(const nlohmann::json& e);
  void add_emitted(const ojson& e);  // the same, for an event as it is emitted
  std::string table() const;  // printable()
  const UsageBook& usage() const { return usage_; }
  // {"steps": [{step, kind, status, attempts, duration_ms, usage?}], "agents": {...}, "total": {...}}
  ojson to_json() const;

 private:
  template <class Json>
  void add_event(const Json& e);
  std::string table_text() const;
  struct Row {
    std::string kind, status = "unfinished";
    int attempts = 0;
    int64_t ms = 0;
  };
  std::vector<std::string> order_;
  std::map<std::string, Row> rows_;
  Row& row(const std::string& step);
  UsageBook usage_;  // cost and tokens, when the backend reports them (a cost column then)
};

// Passes every event on to `inner` and adds it to `summary` too, so the summary printed at the
// end of a run needs no second reading of events.jsonl (whose 2,000 events of a 1,000-call
// run took longer to parse again than a wave of calls to start).
std::unique_ptr<Status> make_summary_feed(std::unique_ptr<Status> inner, Summary* summary);

}  // namespace flow::rt

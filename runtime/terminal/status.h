#pragma once
// What the user sees while a run goes, fed by the same events that go to events.jsonl:
// one plain line per event (CI logs), a live redrawn view on a terminal, or JSON lines
// (--json). Like ninja's Status, the scheduler does not know which one it talks to.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/terminal/screen_hold.h"
#include "runtime/report/summary.h"
#include "runtime/backends/usage.h"
#include "runtime/store/events.h"

namespace flow::rt {

class Status {
 public:
  virtual ~Status() = default;
  // Before the first event: the flow, and the nodes a resumed run finished before.
  virtual void begin(const ir::Flow&, const std::vector<uint32_t>& /*finished*/) {}
  virtual void message(const std::string& line) = 0;  // banner, final report
  virtual void event(const Event& e) = 0;
  virtual void tick() {}                              // periodic redraw
  virtual bool wants_ticks() const { return false; }
  virtual void finish() {}                            // before the summary is printed
  // What draws on the terminal and must stand aside while a person answers; null for the
  // views that only append lines.
  virtual ScreenHold* screen() { return nullptr; }
};

// A Status that passes everything on to another: the base of the views that watch the events
// on their way (the summary, the live trace export).
class ForwardingStatus : public Status {
 public:
  explicit ForwardingStatus(std::unique_ptr<Status> inner) : inner_(std::move(inner)) {}
  void begin(const ir::Flow& f, const std::vector<uint32_t>& finished) override {
    inner_->begin(f, finished);
  }
  void message(const std::string& line) override { inner_->message(line); }
  void event(const Event& e) override { inner_->event(e); }
  void tick() override { inner_->tick(); }
  bool wants_ticks() const override { return inner_->wants_ticks(); }
  void finish() override { inner_->finish(); }
  ScreenHold* screen() override { return inner_->screen(); }

 protected:
  Status& inner() { return *inner_; }

 private:
  std::unique_ptr<Status> inner_;
};

std::unique_ptr<Status> make_plain_status(FILE* out);
std::unique_ptr<Status> make_tty_status(FILE* out, bool color = true);
std::unique_ptr<Status> make_quiet_status(FILE* out);  // -q: failures and the final messages
std::unique_ptr<Status> make_json_status(FILE* events_out, FILE* messages_out);

// One line for an event, as the plain status prints it ("[  1.2s] done  plan ..."). Every
// Status prints only printable() text (runtime/terminal/printable.h): agent-made text cannot control
// the terminal.
std::string format_event(const Event& e);

// Passes every event on to `inner` and adds it to `summary` too, so the summary printed at the
// end of a run needs no second reading of events.jsonl (whose 2,000 events of a 1,000-call
// run took longer to parse again than a wave of calls to start).
std::unique_ptr<Status> make_summary_feed(std::unique_ptr<Status> inner, Summary* summary);

}  // namespace flow::rt

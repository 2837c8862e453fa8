#include "runtime/terminal/status.h"

#include <chrono>
#include <deque>
#include <set>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "lang/text.h"
#include "runtime/terminal/printable.h"

namespace flow::rt {

namespace {

// The first line worth showing: not blank, not a heading, not the simulated-agent marker.
std::string first_line(const std::string& s, size_t max = 100) {
  std::string line;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    line = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line[0] != '#' && line != "(simulated agent)") break;
    line.clear();
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  if (line.size() > max) line = line.substr(0, max - 3) + "...";
  return line;
}

std::string seconds(int64_t ms) { return fmt::format("{:.1f}s", ms / 1000.0); }

// "[2]" for the second item of a fan-out, " check 2" for a gate's second check.
std::string item_text(const std::optional<int64_t>& index, const std::string& kind = "",
                      const std::string& step = "") {
  if (!index) return "";
  bool check = kind == "review" || kind == "check" || kind == "verdict" ||
               (kind == "human" && step.find('/') != std::string::npos);
  int64_t n = *index + 1;
  return check ? fmt::format(" check {}", n) : fmt::format("[{}]", n);
}
std::string item_text(const ev::CallPlace& at) { return item_text(at.index, at.kind, at.step); }

// "PASS  plan/gate: code-review (attempt 1, 2.1s, $0.0123)", with the reason of a FAIL.
std::string verdict_text(const ev::Verdict& e) {
  std::string what;
  if (e.check == "review") what = e.agent.value_or("");
  else if (e.check == "command") what = "`" + first_line(e.command.value_or(""), 60) + "`";
  else if (e.check == "human") what = "approval";
  else if (e.check == "verdict") what = "verdict of " + e.step;
  // A per-item gate's verdict (`review each` on a fan-out) has the item as `index`.
  const bool per_item = e.check_index.has_value();
  std::string gate = e.gate;
  if (per_item) gate += fmt::format(" item {}", e.index.value_or(0) + 1);
  const int64_t check_number = (per_item ? *e.check_index : e.index.value_or(0)) + 1;
  if (!what.empty()) what = ": " + what;
  else if (!per_item) what = fmt::format(" check {}", check_number);
  std::string call = e.duration_ms ? ", " + seconds(*e.duration_ms) : "";
  if (e.cost_usd) call += ", " + format_cost(*e.cost_usd);
  std::string why;
  if (e.verdict == "FAIL") {
    const std::string& reason = e.reason.value_or("");
    why = ": " + first_line(reason.empty() ? e.feedback : reason);
  }
  return fmt::format("{}  {}{} (attempt {}{}){}", e.verdict, gate, what, e.attempt, call, why);
}

std::string attempt_text(const ev::Attempt& e) {
  std::string cost = e.usage && e.usage->cost_usd ? ", " + format_cost(*e.usage->cost_usd) : "";
  std::string agent = e.agent.value_or("");
  if (agent == e.at.step) agent.clear();  // a step named after its agent: said once
  if (e.ok)
    return fmt::format("ok    {}{} ({}attempt {}, {}{})", e.at.step, item_text(e.at),
                       agent.empty() ? "" : agent + ", ", e.at.attempt, seconds(e.duration_ms), cost);
  return fmt::format("error {}{} (attempt {}): {}", e.at.step, item_text(e.at), e.at.attempt,
                     first_line(e.error.value_or("")));
}

// The line of each kind, after the time.
struct LineText {
  std::string operator()(const ev::RunStart& e) const {
    return fmt::format("run {} of flow {}: {}{}, backend {}{}, jobs {}", e.run, e.flow,
                       text::plural(e.steps, "step"),
                       e.gates > 0 ? ", " + text::plural(e.gates, "gate") : "", e.backend,
                       e.simulated ? " (agents are SIMULATED)" : "", e.jobs);
  }
  std::string operator()(const ev::RunResume& e) const {
    return fmt::format("resume run {}: {} already finished", e.run, text::plural(e.finished, "step"));
  }
  std::string operator()(const ev::Dispatch& e) const {
    std::string what = e.kind;
    if (e.kind == "agent" || e.kind == "review") what = e.kind + " " + e.agent.value_or("");
    return fmt::format("start {}{} ({}, attempt {})", e.step, item_text(e.index, e.kind, e.step),
                       what, e.attempt);
  }
  std::string operator()(const ev::Attempt& e) const { return attempt_text(e); }
  std::string operator()(const ev::Done& e) const { return "done  " + e.step; }
  std::string operator()(const ev::Skip& e) const {
    return fmt::format("skip  {} ({})", e.step, e.reason);
  }
  // The items a step chose for a fan-out over its answer.
  std::string operator()(const ev::Items& e) const {
    return fmt::format("items {}: {} chosen by {} (at most {})", e.step, e.items.size(), e.from, e.cap);
  }
  std::string operator()(const ev::Verdict& e) const { return verdict_text(e); }
  std::string operator()(const ev::Retry& e) const {
    return fmt::format("retry {}{}: sent back ({} of {}), rerunning {}", e.gate, item_text(e.index),
                       e.sent_back.value_or(e.attempt - 1), e.retries, e.steps.size());
  }
  std::string operator()(const ev::Rework& e) const {
    return fmt::format("rework {}{}: {}; sent back with its last feedback", e.gate,
                       item_text(e.index), e.reason);
  }
  std::string operator()(const ev::GatePass& e) const {
    return fmt::format("pass  {}{}", e.gate,
                       e.unapproved ? " (UNAPPROVED: accepted after retries ran out)" : "");
  }
  std::string operator()(const ev::Exhausted& e) const {
    return fmt::format("{}{} ran out of retries after {} attempts (else {})", e.gate,
                       item_text(e.index), e.attempts, e.action);
  }
  std::string operator()(const ev::ApprovalWait& e) const {
    return fmt::format("waiting for approval of {}: {} (answer with: flow approve {} {}, "
                       "or flow reject {} {} --feedback TEXT)",
                       e.step, first_line(e.question, 200), e.run, e.step, e.run, e.step);
  }
  std::string operator()(const ev::Approval& e) const {
    return fmt::format("{} {} ({})", e.approved ? "approved" : "refused", e.step, e.how);
  }
  std::string operator()(const ev::Fail& e) const {
    return fmt::format("FAILED {}: {}", e.step, first_line(e.error, 200));
  }
  std::string operator()(const ev::CallRetry& e) const {
    // The error's last line: the end of the program's stderr, or "PROGRAM: exit N".
    size_t nl = e.error.find_last_of('\n');
    std::string error = e.error.substr(nl == std::string::npos ? 0 : nl + 1);
    return fmt::format("again {}{}: call {} of {} failed ({}); next call in {}", e.at.step,
                       item_text(e.at), e.call, e.calls, first_line(error), seconds(e.delay_ms));
  }
  std::string operator()(const ev::ApiRetry& e) const {
    return fmt::format("again {}{}: model request failed ({}); retried in {}", e.at.step,
                       item_text(e.at), first_line(e.reason), seconds(e.delay_ms));
  }
  std::string operator()(const ev::WriteRefused& e) const {
    if (e.by == "kernel")
      return fmt::format("refused {}{}: a write to {} (outside the agent's writes; refused "
                         "by the kernel)", e.at.step, item_text(e.at), e.path);
    return fmt::format("refused {}{}: {} {} (outside the agent's {}{})", e.at.step,
                       item_text(e.at), e.tool.value_or(""), e.path,
                       e.by == "claude" ? "tools or writes" : "writes",
                       e.by == "claude" ? "; refused by Claude Code" : "");
  }
  std::string operator()(const ev::WriteScopesUnconfined& e) const {
    return "note: agents' write scopes are checked after each call, not enforced by the "
           "kernel: " + e.reason;
  }
  std::string operator()(const ev::ToolsUnavailable& e) const {
    std::string names;
    for (const std::string& t : e.tools) names += (names.empty() ? "" : ", ") + t;
    return fmt::format("warning: agent {} asks for tools backend {} does not have: {}", e.agent,
                       e.backend, names);
  }
  std::string operator()(const ev::LeftoverKilled& e) const {
    return fmt::format("killed process group {}, left running by the crashed run", e.pgid);
  }
  std::string operator()(const ev::Interrupted& e) const { return "interrupted by " + e.signal; }
  std::string operator()(const ev::RunEnd& e) const {
    return fmt::format("run {} in {}", e.status, seconds(e.duration_ms));
  }
  // The kinds without a line of their own say their name.
  template <class T>
  std::string operator()(const T&) const {
    return "";
  }
};

std::string format_event_text(const Event& e) {
  std::string line = std::visit(LineText{}, e.body);
  if (line.empty()) line = event_name(e.body);
  return fmt::format("[{:>7}] ", seconds(e.ms)) + line;
}

}  // namespace

// Events carry text that agents and commands made (errors, feedback, questions): printable
// before it reaches a terminal.
std::string format_event(const Event& e) { return printable(format_event_text(e)); }

// --- plain -------------------------------------------------------------------------------------

namespace {

class PlainStatus : public Status {
 public:
  explicit PlainStatus(FILE* out) : out_(out) {}
  void message(const std::string& line) override {
    std::fprintf(out_, "%s\n", printable(line).c_str());
    std::fflush(out_);
  }
  void event(const Event& e) override {
    std::string line = printable(format_event_text(e));
    std::fprintf(out_, "%s\n", line.c_str());
    // One flush per event keeps CI logs live; fwrite buffering keeps it cheap.
    std::fflush(out_);
  }

 private:
  FILE* out_;
};

// -q: only what went wrong or needs the user (a failure, an exhausted gate, a wait for an
// approval, an interruption) and the messages the run ends with.
class QuietStatus : public Status {
 public:
  explicit QuietStatus(FILE* out) : plain_(out) {}
  void message(const std::string& line) override { plain_.message(line); }
  void event(const Event& e) override {
    const EventBody& b = e.body;
    if (std::holds_alternative<ev::Fail>(b) || std::holds_alternative<ev::Exhausted>(b) ||
        std::holds_alternative<ev::ApprovalWait>(b) || std::holds_alternative<ev::Interrupted>(b) ||
        std::holds_alternative<ev::WriteRefused>(b) || std::holds_alternative<ev::ToolsUnavailable>(b) ||
        std::holds_alternative<ev::WriteScopesUnconfined>(b))
      plain_.event(e);
  }

 private:
  PlainStatus plain_;
};

class JsonStatus : public Status {
 public:
  JsonStatus(FILE* events, FILE* messages) : events_(events), messages_(messages) {}
  void message(const std::string& line) override {
    std::fprintf(messages_, "%s\n", printable(line).c_str());
  }
  void event(const Event& e) override {
    // ASCII only: JSON escapes C0 controls but would pass C1 controls and bidi overrides
    // through to a terminal; as \uXXXX escapes they are inert, and any JSON reader decodes them.
    std::string s = event_line(e, /*ascii=*/true);
    std::fprintf(events_, "%s\n", s.c_str());
    std::fflush(events_);
  }

 private:
  FILE* events_;
  FILE* messages_;
};

}  // namespace

std::unique_ptr<Status> make_plain_status(FILE* out) { return std::make_unique<PlainStatus>(out); }
std::unique_ptr<Status> make_quiet_status(FILE* out) { return std::make_unique<QuietStatus>(out); }
std::unique_ptr<Status> make_json_status(FILE* events_out, FILE* messages_out) {
  return std::make_unique<JsonStatus>(events_out, messages_out);
}

namespace {

// Every event on to `inner`, and into the summary as well.
class SummaryFeed : public ForwardingStatus {
 public:
  SummaryFeed(std::unique_ptr<Status> inner, Summary* summary)
      : ForwardingStatus(std::move(inner)), summary_(summary) {}
  void event(const Event& e) override {
    summary_->add(e);
    inner().event(e);
  }

 private:
  Summary* summary_;
};

}  // namespace

std::unique_ptr<Status> make_summary_feed(std::unique_ptr<Status> inner, Summary* summary) {
  return std::make_unique<SummaryFeed>(std::move(inner), summary);
}

}  // namespace flow::rt

#include "runtime/terminal/status.h"

#include <chrono>
#include <deque>
#include <set>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "lang/text.h"
#include "runtime/store/event_fields.h"
#include "runtime/terminal/printable.h"

namespace flow::rt {

using json = nlohmann::json;

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
template <class Json>
std::string item(const Json& e) {
  auto it = e.find("index");
  if (it == e.end() || !it->is_number()) return "";
  std::string kind = event_text(e, "kind");
  bool check = kind == "review" || kind == "check" || kind == "verdict" ||
               (kind == "human" && event_text(e, "step").find('/') != std::string::npos);
  int n = it->template get<int>() + 1;
  return check ? fmt::format(" check {}", n) : fmt::format("[{}]", n);
}

}  // namespace

namespace {

// The items a step chose for a fan-out over its answer.
template <class Json>
std::string items_line(const Json& e) {
  size_t count = e.contains("items") && e["items"].is_array() ? e["items"].size() : 0;
  return fmt::format("items {}: {} chosen by {} (at most {})", event_text(e, "step"), count,
                     event_text(e, "from"), event_int(e, "cap"));
}

// "PASS  plan/gate: code-review (attempt 1, 2.1s, $0.0123)", with the reason of a FAIL.
template <class Json>
std::string verdict_text(const Json& e) {
  std::string check = event_text(e, "check"), what;
  if (check == "review") what = event_text(e, "agent");
  else if (check == "command") what = "`" + first_line(event_text(e, "command"), 60) + "`";
  else if (check == "human") what = "approval";
  else if (check == "verdict") what = "verdict of " + event_text(e, "step");
  // A per-item gate's verdict (`review each` on a fan-out) has the item as `index`.
  const bool per_item = e.contains("check_index");
  std::string gate = event_text(e, "gate");
  if (per_item) gate += fmt::format(" item {}", event_int(e, "index") + 1);
  const int64_t check_number = (per_item ? event_int(e, "check_index") : event_int(e, "index")) + 1;
  if (!what.empty()) what = ": " + what;
  else if (!per_item) what = fmt::format(" check {}", check_number);
  std::string call = e.contains("duration_ms") ? ", " + seconds(event_int(e, "duration_ms")) : "";
  if (e.contains("cost_usd") && e["cost_usd"].is_number())
    call += ", " + format_cost(e["cost_usd"].template get<double>());
  std::string why;
  if (event_text(e, "verdict") == "FAIL") {
    std::string reason = event_text(e, "reason");
    why = ": " + first_line(reason.empty() ? event_text(e, "feedback") : reason);
  }
  return fmt::format("{}  {}{} (attempt {}{}){}", event_text(e, "verdict"), gate, what,
                     event_int(e, "attempt"), call, why);
}

// For an event read back (json) or as it is emitted (ordered_json): the plain status prints
// each event as it happens, and converting it first cost more than formatting it.
template <class Json>
std::string format_event_text(const Json& e) {
  std::string ev = event_text(e, "event"), step = event_text(e, "step");
  std::string head = fmt::format("[{:>7}] ", seconds(event_int(e, "ms")));
  if (ev == "run_start")
    return head + fmt::format("run {} of flow {}: {}{}, backend {}{}, jobs {}", event_text(e, "run"),
                              event_text(e, "flow"), text::plural(event_int(e, "steps"), "step"),
                              event_int(e, "gates") > 0 ? ", " + text::plural(event_int(e, "gates"), "gate") : "",
                              event_text(e, "backend"),
                              e.value("simulated", false) ? " (agents are SIMULATED)" : "",
                              event_int(e, "jobs"));
  if (ev == "run_resume")
    return head + fmt::format("resume run {}: {} already finished", event_text(e, "run"),
                              text::plural(event_int(e, "finished"), "step"));
  if (ev == "dispatch") {
    std::string kind = event_text(e, "kind"), what = kind;
    if (kind == "agent" || kind == "review") what = kind + " " + event_text(e, "agent");
    return head + fmt::format("start {}{} ({}, attempt {})", step, item(e), what, event_int(e, "attempt"));
  }
  if (ev == "attempt") {
    std::string cost = e.contains("cost_usd") && e["cost_usd"].is_number()
                           ? ", " + format_cost(e["cost_usd"].template get<double>())
                           : "";
    std::string agent = event_text(e, "agent");
    if (agent == step) agent.clear();  // a step named after its agent: said once
    if (e.value("ok", false))
      return head + fmt::format("ok    {}{} ({}attempt {}, {}{})", step, item(e),
                                agent.empty() ? "" : agent + ", ", event_int(e, "attempt"),
                                seconds(event_int(e, "duration_ms")), cost);
    return head + fmt::format("error {}{} (attempt {}): {}", step, item(e), event_int(e, "attempt"),
                              first_line(event_text(e, "error")));
  }
  if (ev == "done") return head + fmt::format("done  {}", step);
  if (ev == "skip") return head + fmt::format("skip  {} ({})", step, event_text(e, "reason"));
  if (ev == "items") return head + items_line(e);
  if (ev == "verdict") return head + verdict_text(e);
  if (ev == "retry")
    return head + fmt::format("retry {}{}: sent back ({} of {}), rerunning {}", event_text(e, "gate"),
                              item(e),
                              e.contains("sent_back") ? event_int(e, "sent_back")
                                                      : event_int(e, "attempt") - 1,
                              event_int(e, "retries"),
                              e.contains("steps") ? e["steps"].size() : 0);
  if (ev == "rework")
    return head + fmt::format("rework {}{}: {}; sent back with its last feedback",
                              event_text(e, "gate"), item(e), event_text(e, "reason"));
  if (ev == "gate_pass")
    return head + fmt::format("pass  {}{}", event_text(e, "gate"),
                              e.value("unapproved", false) ? " (UNAPPROVED: accepted after retries ran out)" : "");
  if (ev == "exhausted")
    return head + fmt::format("{}{} ran out of retries after {} attempts (else {})",
                              event_text(e, "gate"), item(e), event_int(e, "attempts"),
                              event_text(e, "action"));
  if (ev == "approval_wait")
    return head + fmt::format("waiting for approval of {}: {} (answer with: flow approve {} {}, "
                              "or flow reject {} {} --feedback TEXT)", step,
                              first_line(event_text(e, "question"), 200), event_text(e, "run"), step,
                              event_text(e, "run"), step);
  if (ev == "approval")
    return head + fmt::format("{} {} ({})", e.value("approved", false) ? "approved" : "refused",
                              step, event_text(e, "how"));
  if (ev == "fail") return head + fmt::format("FAILED {}: {}", step, first_line(event_text(e, "error"), 200));
  if (ev == "call_retry") {
    // The error's last line: the end of the program's stderr, or "PROGRAM: exit N".
    std::string error = event_text(e, "error");
    error = error.substr(error.find_last_of('\n') == std::string::npos ? 0 : error.find_last_of('\n') + 1);
    return head + fmt::format("again {}{}: call {} of {} failed ({}); next call in {}", step, item(e),
                              event_int(e, "call"), event_int(e, "calls"), first_line(error),
                              seconds(event_int(e, "delay_ms")));
  }
  if (ev == "api_retry")
    return head + fmt::format("again {}{}: model request failed ({}); retried in {}", step, item(e),
                              first_line(event_text(e, "reason")), seconds(event_int(e, "delay_ms")));
  if (ev == "write_refused") {
    std::string by = event_text(e, "by");
    if (by == "kernel")
      return head + fmt::format("refused {}{}: a write to {} (outside the agent's writes; refused "
                                "by the kernel)", step, item(e), event_text(e, "path"));
    return head + fmt::format("refused {}{}: {} {} (outside the agent's {}{})", step, item(e),
                              event_text(e, "tool"), event_text(e, "path"),
                              by == "claude" ? "tools or writes" : "writes",
                              by == "claude" ? "; refused by Claude Code" : "");
  }
  if (ev == "write_scopes_unconfined")
    return head + "note: agents' write scopes are checked after each call, not enforced by the "
                  "kernel: " + event_text(e, "reason");
  if (ev == "tools_unavailable") {
    std::string names;
    if (e.contains("tools") && e["tools"].is_array())
      for (const auto& t : e["tools"])
        names += (names.empty() ? "" : ", ") + (t.is_string() ? t.template get<std::string>() : "");
    return head + fmt::format("warning: agent {} asks for tools backend {} does not have: {}",
                              event_text(e, "agent"), event_text(e, "backend"), names);
  }
  if (ev == "leftover_killed")
    return head + fmt::format("killed process group {}, left running by the crashed run", event_int(e, "pgid"));
  if (ev == "interrupted") return head + fmt::format("interrupted by {}", event_text(e, "signal"));
  if (ev == "run_end")
    return head + fmt::format("run {} in {}", event_text(e, "status"), seconds(event_int(e, "duration_ms")));
  return head + ev;
}

}  // namespace

// Events carry text that agents and commands made (errors, feedback, questions): printable
// before it reaches a terminal.
std::string format_event(const json& e) { return printable(format_event_text(e)); }

// --- plain -------------------------------------------------------------------------------------

namespace {

class PlainStatus : public Status {
 public:
  explicit PlainStatus(FILE* out) : out_(out) {}
  void message(const std::string& line) override {
    std::fprintf(out_, "%s\n", printable(line).c_str());
    std::fflush(out_);
  }
  void event(const ojson& e) override {
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
  void event(const ojson& e) override {
    std::string ev = e.value("event", "");
    if (ev == "fail" || ev == "exhausted" || ev == "approval_wait" || ev == "interrupted" ||
        ev == "write_refused" || ev == "tools_unavailable" || ev == "write_scopes_unconfined")
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
  void event(const ojson& e) override {
    // ASCII only: JSON escapes C0 controls but would pass C1 controls and bidi overrides
    // through to a terminal; as \uXXXX escapes they are inert, and any JSON reader decodes them.
    std::string s = e.dump(-1, ' ', true, json::error_handler_t::replace);
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
  void event(const ojson& e) override {
    summary_->add_emitted(e);
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

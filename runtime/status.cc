#include "runtime/status.h"

#include <chrono>
#include <deque>
#include <set>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "runtime/printable.h"

namespace flow::rt {

using json = nlohmann::json;

namespace {

// For events read back (json) and events as they are emitted (ordered_json) alike.
template <class Json>
std::string str(const Json& e, const char* key) {
  auto it = e.find(key);
  if (it == e.end() || it->is_null()) return "";
  return it->is_string() ? it->template get<std::string>() : it->dump();
}

template <class Json>
int64_t num(const Json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_number() ? it->template get<int64_t>() : 0;
}

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

template <class Json>
std::string item(const Json& e) {
  auto it = e.find("index");
  if (it == e.end() || !it->is_number()) return "";
  return fmt::format("[{}]", it->template get<int>() + 1);
}

}  // namespace

namespace {

// The items a step chose for a fan-out over its answer.
template <class Json>
std::string items_line(const Json& e) {
  size_t count = e.contains("items") && e["items"].is_array() ? e["items"].size() : 0;
  return fmt::format("items {}: {} chosen by {} (at most {})", str(e, "step"), count,
                     str(e, "from"), num(e, "cap"));
}

// For an event read back (json) or as it is emitted (ordered_json): the plain status prints
// each event as it happens, and converting it first cost more than formatting it.
template <class Json>
std::string format_event_text(const Json& e) {
  std::string ev = str(e, "event"), step = str(e, "step");
  std::string head = fmt::format("[{:>7}] ", seconds(num(e, "ms")));
  if (ev == "run_start")
    return head + fmt::format("run {} of flow {}: {} steps, backend {}{}, jobs {}", str(e, "run"),
                              str(e, "flow"), num(e, "steps"), str(e, "backend"),
                              e.value("simulated", false) ? " (agents are SIMULATED)" : "",
                              num(e, "jobs"));
  if (ev == "run_resume")
    return head + fmt::format("resume run {}: {} steps already finished", str(e, "run"),
                              num(e, "finished"));
  if (ev == "dispatch") {
    std::string kind = str(e, "kind"), what = kind;
    if (kind == "agent" || kind == "review") what = kind + " " + str(e, "agent");
    return head + fmt::format("start {}{} ({}, attempt {})", step, item(e), what, num(e, "attempt"));
  }
  if (ev == "attempt") {
    std::string cost = e.contains("cost_usd") && e["cost_usd"].is_number()
                           ? ", " + format_cost(e["cost_usd"].template get<double>())
                           : "";
    if (e.value("ok", false))
      return head + fmt::format("ok    {}{} (attempt {}, {}{})", step, item(e), num(e, "attempt"),
                                seconds(num(e, "duration_ms")), cost);
    return head + fmt::format("error {}{} (attempt {}): {}", step, item(e), num(e, "attempt"),
                              first_line(str(e, "error")));
  }
  if (ev == "done") return head + fmt::format("done  {}", step);
  if (ev == "skip") return head + fmt::format("skip  {} ({})", step, str(e, "reason"));
  if (ev == "items") return head + items_line(e);
  if (ev == "verdict")
    return head + fmt::format("{}  {} {} {} (attempt {}){}", str(e, "verdict"), str(e, "gate"),
                              e.contains("check_index") ? "item" : "check", num(e, "index") + 1, num(e, "attempt"),
                              str(e, "verdict") == "FAIL"
                                  ? ": " + first_line(str(e, "reason").empty()
                                                          ? str(e, "feedback")
                                                          : str(e, "reason"))
                                  : "");
  if (ev == "retry")
    return head + fmt::format("retry {}{}: sent back ({} of {}), rerunning {}", str(e, "gate"), item(e),
                              e.contains("sent_back") ? num(e, "sent_back") : num(e, "attempt") - 1, num(e, "retries"),
                              e.contains("steps") ? e["steps"].size() : 0);
  if (ev == "rework") return head + fmt::format("rework {}{}: {}; sent back with its last feedback", str(e, "gate"), item(e), str(e, "reason"));
  if (ev == "gate_pass")
    return head + fmt::format("pass  {}{}", str(e, "gate"),
                              e.value("unapproved", false) ? " (UNAPPROVED: accepted after retries ran out)" : "");
  if (ev == "exhausted")
    return head + fmt::format("{}{} ran out of retries after {} attempts (else {})", str(e, "gate"), item(e),
                              num(e, "attempts"), str(e, "action"));
  if (ev == "approval_wait")
    return head + fmt::format("waiting for approval of {}: {} (answer with: flow approve {} {}, "
                              "or flow reject {} {} --feedback TEXT)", step,
                              first_line(str(e, "question"), 200), str(e, "run"), step,
                              str(e, "run"), step);
  if (ev == "approval")
    return head + fmt::format("{} {} ({})", e.value("approved", false) ? "approved" : "refused",
                              step, str(e, "how"));
  if (ev == "fail") return head + fmt::format("FAILED {}: {}", step, first_line(str(e, "error"), 200));
  if (ev == "call_retry") {
    // The error's last line: the end of the program's stderr, or "PROGRAM: exit N".
    std::string error = str(e, "error");
    error = error.substr(error.find_last_of('\n') == std::string::npos ? 0 : error.find_last_of('\n') + 1);
    return head + fmt::format("again {}{}: call {} of {} failed ({}); next call in {}", step, item(e),
                              num(e, "call"), num(e, "calls"), first_line(error),
                              seconds(num(e, "delay_ms")));
  }
  if (ev == "api_retry")
    return head + fmt::format("again {}{}: model request failed ({}); retried in {}", step, item(e),
                              first_line(str(e, "reason")), seconds(num(e, "delay_ms")));
  if (ev == "write_refused")
    return head + fmt::format("refused {}{}: {} {} (outside the agent's writes)", step, item(e),
                              str(e, "tool"), str(e, "path"));
  if (ev == "tools_unavailable") {
    std::string names;
    if (e.contains("tools") && e["tools"].is_array())
      for (const auto& t : e["tools"])
        names += (names.empty() ? "" : ", ") + (t.is_string() ? t.template get<std::string>() : "");
    return head + fmt::format("warning: agent {} asks for tools backend {} does not have: {}",
                              str(e, "agent"), str(e, "backend"), names);
  }
  if (ev == "leftover_killed")
    return head + fmt::format("killed process group {}, left running by the crashed run", num(e, "pgid"));
  if (ev == "interrupted") return head + fmt::format("interrupted by {}", str(e, "signal"));
  if (ev == "run_end")
    return head + fmt::format("run {} in {}", str(e, "status"), seconds(num(e, "duration_ms")));
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
        ev == "write_refused" || ev == "tools_unavailable")
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

// The live view: a header, the running steps with elapsed time, the last few notable events.
// Redrawn in place with ANSI cursor movement; finished lines scroll above it.
class TtyStatus : public Status {
 public:
  TtyStatus(FILE* out, bool color)
      : out_(out), t0_(now()), bold_(color ? "\x1b[1m" : ""), cyan_(color ? "\x1b[36m" : ""),
        reset_(color ? "\x1b[0m" : "") {}
  bool wants_ticks() const override { return true; }
  void begin(const ir::Flow& flow) override {
    for (const ir::Stage& st : flow.stages) stage_index(st.name);
    for (const ir::Node& n : flow.nodes) {
      size_t i = stage_index(n.stage);
      stage_of_[n.name] = i;
      ++stages_[i].total;
    }
  }
  void message(const std::string& line) override {
    clear();
    std::fprintf(out_, "%s\n", printable(line).c_str());
    draw();
  }
  void event(const ojson& je) override {
    json e(je);
    std::string ev = str(e, "event"), key = str(e, "step") + item(e);
    if (ev == "run_start") steps_ = num(e, "steps");
    if (ev == "dispatch") running_[key] = {now(), num(e, "attempt")};
    if (ev == "attempt") {
      running_.erase(key);
      usage_.add(e);
    }
    if (ev == "done" || ev == "skip") finish_step(str(e, "step"), true);
    if (ev == "gate_pass") finish_step(str(e, "gate"), true);
    if (ev == "retry" && e.contains("steps"))
      for (const json& s : e["steps"]) finish_step(s.get<std::string>(), false);
    bool notable = ev == "verdict" || ev == "retry" || ev == "gate_pass" || ev == "exhausted" ||
                   ev == "fail" || ev == "approval" || ev == "approval_wait" ||
                   ev == "interrupted" || ev == "skip" ||
                   ev == "items" ||
                   ev == "call_retry" || ev == "leftover_killed" || ev == "api_retry" ||
                   ev == "write_refused" || ev == "tools_unavailable" ||
                   (ev == "attempt" && !e.value("ok", false));
    clear();
    if (notable || ev == "run_start" || ev == "run_resume" || ev == "run_end")
      std::fprintf(out_, "%s\n", format_event(e).c_str());
    draw();
  }
  void tick() override {
    clear();
    draw();
  }
  void finish() override {
    clear();
    closed_ = true;  // the summary and final messages follow; no more redraws under them
  }

 private:
  static double now() {
    using namespace std::chrono;
    return duration_cast<duration<double>>(steady_clock::now().time_since_epoch()).count();
  }
  size_t stage_index(const std::string& name) {
    for (size_t i = 0; i < stages_.size(); ++i)
      if (stages_[i].name == name) return i;
    stages_.push_back({name, 0, 0});
    return stages_.size() - 1;
  }
  void finish_step(const std::string& step, bool finished) {
    bool changed = finished ? finished_.insert(step).second : finished_.erase(step) > 0;
    auto it = stage_of_.find(step);
    if (changed && it != stage_of_.end()) stages_[it->second].done += finished ? 1 : -1;
  }
  // "stages: plan 2/2 done, research 1/5, build 0/3": the first unfinished ones, on one line.
  std::string stage_line() const {
    std::string line;
    size_t shown = 0;
    for (const Stage& st : stages_) {
      if (shown == 6) {
        line += ", ...";
        break;
      }
      bool done = st.done >= st.total;
      if (done && stages_.size() > 6) continue;  // many stages: only those still going
      line += (line.empty() ? "" : ", ") + st.name + " " + std::to_string(st.done) + "/" +
              std::to_string(st.total) + (done ? " done" : "");
      ++shown;
    }
    return line;
  }
  void clear() {
    if (drawn_ > 0) std::fprintf(out_, "\x1b[%dA\x1b[J", drawn_);
    drawn_ = 0;
  }
  void draw() {
    if (closed_) return;
    double t = now();
    std::string cost = usage_.any() ? ", " + format_cost(usage_.run().cost_usd) : "";
    std::fprintf(out_, "%s%zu/%lld steps finished, %zu running, %.0fs%s%s\n", bold_,
                 finished_.size(), static_cast<long long>(steps_), running_.size(), t - t0_,
                 cost.c_str(), reset_);
    ++drawn_;
    if (!stages_.empty()) {
      std::fprintf(out_, "  stages: %s\n", printable(stage_line()).c_str());
      ++drawn_;
    }
    int shown = 0;
    for (const auto& [name, run] : running_) {
      if (++shown > 8) {
        std::fprintf(out_, "  ... and %zu more\n", running_.size() - 8);
        ++drawn_;
        break;
      }
      std::string step = name.substr(0, name.find('['));
      auto st = stage_of_.find(step);
      std::string label = (st == stage_of_.end() ? "" : stages_[st->second].name + ": ") + name;
      std::fprintf(out_, "  %s>%s %-48s attempt %-3lld %6.1fs\n", cyan_, reset_, printable(label).c_str(),
                   static_cast<long long>(run.attempt), t - run.since);
      ++drawn_;
    }
    std::fflush(out_);
  }

  FILE* out_;
  double t0_;
  const char* bold_;  // "" without colour; the cursor movements stay
  const char* cyan_;
  const char* reset_;
  struct Running {
    double since;
    int64_t attempt;
  };
  int64_t steps_ = 0;
  int drawn_ = 0;
  bool closed_ = false;
  struct Stage {
    std::string name;
    int total, done;
  };
  std::map<std::string, Running> running_;
  UsageBook usage_;
  std::set<std::string> finished_;
  std::vector<Stage> stages_;
  std::unordered_map<std::string, size_t> stage_of_;
};

}  // namespace

std::unique_ptr<Status> make_plain_status(FILE* out) { return std::make_unique<PlainStatus>(out); }
std::unique_ptr<Status> make_tty_status(FILE* out, bool color) {
  return std::make_unique<TtyStatus>(out, color);
}
std::unique_ptr<Status> make_quiet_status(FILE* out) { return std::make_unique<QuietStatus>(out); }
std::unique_ptr<Status> make_json_status(FILE* events_out, FILE* messages_out) {
  return std::make_unique<JsonStatus>(events_out, messages_out);
}

namespace {

// Every event on to `inner`, and into the summary as well.
class SummaryFeed : public Status {
 public:
  SummaryFeed(std::unique_ptr<Status> inner, Summary* summary)
      : inner_(std::move(inner)), summary_(summary) {}
  void begin(const ir::Flow& flow) override { inner_->begin(flow); }
  void message(const std::string& line) override { inner_->message(line); }
  void event(const ojson& e) override {
    summary_->add_emitted(e);
    inner_->event(e);
  }
  void tick() override { inner_->tick(); }
  bool wants_ticks() const override { return inner_->wants_ticks(); }
  void finish() override { inner_->finish(); }

 private:
  std::unique_ptr<Status> inner_;
  Summary* summary_;
};

}  // namespace

std::unique_ptr<Status> make_summary_feed(std::unique_ptr<Status> inner, Summary* summary) {
  return std::make_unique<SummaryFeed>(std::move(inner), summary);
}

// --- summary -----------------------------------------------------------------------------------

Summary::Row& Summary::row(const std::string& step) {
  auto [it, inserted] = rows_.try_emplace(step);
  if (inserted) order_.push_back(step);
  return it->second;
}

void Summary::add(const json& e) { add_event(e); }
void Summary::add_emitted(const ojson& e) { add_event(e); }

template <class Json>
void Summary::add_event(const Json& e) {
  std::string ev = str(e, "event");
  if (ev == "dispatch") {
    Row& r = row(str(e, "step"));
    r.kind = str(e, "kind") == "review" || str(e, "kind") == "check" ? "gate" : str(e, "kind");
    if (r.kind == "human") r.kind = str(e, "step").find('/') != std::string::npos ? "gate" : "human";
    r.attempts = std::max<int>(r.attempts, static_cast<int>(num(e, "attempt")));
    if (r.status == "unfinished" || r.status == "done" || r.status == "passed") r.status = "running";
  } else if (ev == "attempt") {
    row(str(e, "step")).ms += num(e, "duration_ms");
    if constexpr (std::is_same_v<Json, ojson>) usage_.add_emitted(e);
    else usage_.add(e);
  } else if (ev == "done") {
    row(str(e, "step")).status = "done";
  } else if (ev == "skip") {
    Row& r = row(str(e, "step"));
    r.status = "skipped";
  } else if (ev == "gate_pass") {
    row(str(e, "gate")).status = e.value("unapproved", false) ? "unapproved" : "passed";
  } else if (ev == "retry") {
    row(str(e, "gate")).status = "sent back";
  } else if (ev == "exhausted") {
    row(str(e, "gate")).status = "exhausted";
  } else if (ev == "fail") {
    row(str(e, "step")).status = "failed";
  } else if (ev == "interrupted") {
    for (auto& [name, r] : rows_)
      if (r.status == "running") r.status = "interrupted";
  }
}

ojson Summary::to_json() const {
  ojson steps = ojson::array();
  for (const std::string& s : order_) {
    const Row& r = rows_.at(s);
    ojson row{{"step", s}, {"kind", r.kind.empty() ? "-" : r.kind}, {"status", r.status},
              {"attempts", r.attempts}, {"duration_ms", r.ms}};
    if (const UsageTotals* u = usage_.step(s)) row["usage"] = u->to_json();
    steps.push_back(std::move(row));
  }
  ojson agents = ojson::object();
  for (const auto& [name, u] : usage_.agents()) agents[name] = u.to_json();
  return {{"steps", std::move(steps)}, {"agents", std::move(agents)}, {"total", usage_.run().to_json()}};
}

std::string Summary::table() const { return printable(table_text()); }

std::string Summary::table_text() const {
  // Big runs: counts per status, then only the rows worth a look (not done, passed, skipped).
  const size_t kMaxRows = 40;
  bool condensed = order_.size() > kMaxRows;
  std::vector<const std::string*> shown;
  std::map<std::string, size_t> counts;
  for (const std::string& s : order_) {
    const Row& r = rows_.at(s);
    ++counts[r.status];
    bool routine = r.status == "done" || r.status == "passed" || r.status == "skipped";
    if ((!condensed || !routine) && shown.size() < kMaxRows) shown.push_back(&s);
  }
  size_t w = 4;
  for (const std::string* s : shown) w = std::max(w, s->size());
  std::string out;
  if (condensed) {
    out += fmt::format("{} steps:", order_.size());
    for (const auto& [status, n] : counts) out += fmt::format(" {} {},", n, status);
    out.back() = '\n';
    if (shown.empty()) return out;
  }
  const bool costs = usage_.any();  // cost and token columns only when some call reported them
  out += fmt::format("{:<{}}  {:<7}  {:<11}  {:>8}  {:>8}", "step", w, "kind", "status",
                     "attempts", "time");
  out += costs ? fmt::format("  {:>9}  {:>9}\n", "cost", "tokens") : "\n";
  for (const std::string* s : shown) {
    const Row& r = rows_.at(*s);
    out += fmt::format("{:<{}}  {:<7}  {:<11}  {:>8}  {:>8}", *s, w,
                       r.kind.empty() ? "-" : r.kind, r.status, r.attempts, seconds(r.ms));
    const UsageTotals* u = costs ? usage_.step(*s) : nullptr;
    if (costs) out += u ? fmt::format("  {:>9}  {:>9}\n", format_cost(u->cost_usd), u->tokens())
                        : fmt::format("  {:>9}  {:>9}\n", "-", "-");
    else out += "\n";
  }
  out += usage_.report();
  return out;
}

}  // namespace flow::rt

// The live view, for a terminal on stdout: what happened scrolls up, one line per finished call
// and per event worth keeping (as the plain log has them); below it, redrawn in place, a
// header, the stages and the running steps. Every line fits the window, whose width is read
// again at each draw (so a resize is followed at the next tick), so the terminal never wraps a
// line behind the view's back and a redraw erases exactly what the last one drew.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "lang/text.h"
#include "runtime/terminal/printable.h"
#include "runtime/terminal/status.h"
#include "runtime/terminal/step_progress.h"
#include "runtime/terminal/terminal_text.h"

namespace flow::rt {
namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(steady_clock::now().time_since_epoch()).count();
}

// "42s", "3m05s", "1h02m": short enough for the header of a long run.
std::string elapsed_text(double s) {
  auto t = static_cast<long long>(s);
  if (t < 100) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, t % 3600 / 60);
}

// Whether an event gets a line of its own in the scrollback: one line per finished call, and
// the events that change the course of the run. Starts and `done` do not (the call's line said
// it finished); a gate's check is told by its `verdict` line (which has the call's time and
// cost), a person's answer by its `approval` line, and a gate that passed by its verdicts.
bool kept_in_scrollback(const EventBody& e) {
  if (std::holds_alternative<ev::Dispatch>(e) || std::holds_alternative<ev::Done>(e)) return false;
  if (const auto* a = std::get_if<ev::Attempt>(&e)) {
    const std::string& kind = a->at.kind;
    return kind == "agent" || kind == "command" || (kind == "review" && !a->ok);
  }
  if (const auto* v = std::get_if<ev::Verdict>(&e)) return v->check != "human";
  if (const auto* p = std::get_if<ev::GatePass>(&e)) return p->unapproved;
  return true;
}

class LiveView : public Status, public ScreenHold {
 public:
  LiveView(FILE* out, bool color)
      : out_(out), t0_(steady_seconds()), bold_(color ? "\x1b[1m" : ""),
        cyan_(color ? "\x1b[36m" : ""), reset_(color ? "\x1b[0m" : "") {}

  bool wants_ticks() const override { return true; }
  ScreenHold* screen() override { return this; }

  void begin(const ir::Flow& flow, const std::vector<uint32_t>& finished) override {
    std::lock_guard<std::mutex> lock(mu_);
    progress_ = std::make_unique<StepProgress>(flow);
    for (uint32_t id : finished) progress_->finished(id);
  }
  void message(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string text = printable(line);
    size_t from = 0;
    for (;;) {  // each line of the message on its own, wrapped to the window
      size_t nl = text.find('\n', from);
      std::string_view part(text.data() + from, (nl == std::string::npos ? text.size() : nl) - from);
      size_t lead = std::min(part.find_first_not_of(' '), part.size());
      story(part, lead + 2);
      if (nl == std::string::npos) break;
      from = nl + 1;
    }
    show();
  }
  void event(const Event& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    track(e.body);
    if (kept_in_scrollback(e.body)) story(format_event(e), 10);
    // A wide fan-out of quick calls makes thousands of events a second: the view is drawn at
    // most twenty times a second, the lines that scrolled up meanwhile with it.
    if (steady_seconds() - last_shown_ >= 0.05) show();
  }
  void tick() override {
    std::lock_guard<std::mutex> lock(mu_);
    show();
  }
  void finish() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;  // the summary and the final messages follow: no view under them
    show();
  }
  void hold() override {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
    show();
  }
  void release() override {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    show();
  }

 private:
  struct Running {
    double since;
    int64_t attempt;
    std::string label;  // "plan", "audit[2]", "plan/gate (critic)", "plan/gate check 2"
  };

  // What a running task is called on screen: a fan-out's item by its number, a gate's check by
  // its reviewer, and by its number when it is not the gate's first.
  static std::string running_label(const ev::Dispatch& d) {
    if (!d.index) return d.step;
    int64_t n = *d.index + 1;
    if (d.kind == "agent") return fmt::format("{}[{}]", d.step, n);
    std::string label = n > 1 ? fmt::format("{} check {}", d.step, n) : d.step;
    std::string agent = d.agent.value_or("");
    return agent.empty() ? label : label + " (" + agent + ")";
  }

  static std::string running_key(const std::string& step, const std::optional<int64_t>& index) {
    return step + "#" + std::to_string(index.value_or(0));
  }

  void track(const EventBody& e) {
    if (const auto* d = std::get_if<ev::Dispatch>(&e))
      running_[running_key(d->step, d->index)] = {steady_seconds(), d->attempt, running_label(*d)};
    if (const auto* a = std::get_if<ev::Attempt>(&e)) {
      running_.erase(running_key(a->at.step, a->at.index));
      usage_.add(*a);
    }
    if (!progress_) return;
    if (const auto* done = std::get_if<ev::Done>(&e)) progress_->finished(done->step);
    if (const auto* skip = std::get_if<ev::Skip>(&e)) progress_->finished(skip->step);
    if (const auto* pass = std::get_if<ev::GatePass>(&e)) progress_->finished(pass->gate);
    const std::vector<std::string>* again = nullptr;  // a send-back's steps run again
    if (const auto* r = std::get_if<ev::Retry>(&e)) again = &r->steps;
    if (const auto* w = std::get_if<ev::Rework>(&e)) again = &w->steps;
    if (again)
      for (const std::string& s : *again) progress_->unfinished(s);
  }

  // Adds a line to what scrolls up, broken to the window's width; printed at the next show().
  void story(std::string_view line, size_t indent) {
    for (std::string& l : wrap_line(line, width(), indent)) pending_.push_back(std::move(l));
  }

  // The columns a line may take: one less than the window, so that no terminal wraps it.
  size_t width() const { return std::max<size_t>(terminal_columns(fileno(out_)) - 1, 20); }

  // Erases the last frame, prints what scrolled up since, and draws the frame again (unless a
  // question holds the screen or the run is over). One write, so the view does not flicker.
  void show() {
    last_shown_ = steady_seconds();
    std::string buf;
    const size_t cols = terminal_columns(fileno(out_));
    if (!drawn_.empty()) {
      size_t rows = 0;  // a narrower window reflowed the frame: a line may take several rows now
      for (size_t w : drawn_) rows += std::max<size_t>(1, (w + cols - 1) / cols);
      buf += fmt::format("\r\x1b[{}A\x1b[J", rows);
      drawn_.clear();
    }
    if (!held_) {
      for (const std::string& l : pending_) buf += l + "\n";
      pending_.clear();
      if (!closed_) frame(&buf);
    }
    std::fwrite(buf.data(), 1, buf.size(), out_);
    std::fflush(out_);
  }

  void frame_line(std::string* buf, const std::string& text, const char* style = "") {
    std::string fitted = fit_end(text, width());
    drawn_.push_back(display_width(fitted));
    *buf += style;
    *buf += fitted;
    *buf += *style ? reset_ : "";
    *buf += '\n';
  }

  void frame(std::string* buf) {
    const double t = steady_seconds();
    std::string cost = usage_.any() ? " · " + format_cost(usage_.run().cost_usd) : "";
    int total = progress_ ? progress_->total() : 0, done = progress_ ? progress_->finished_count() : 0;
    frame_line(buf, fmt::format("{}/{} finished · {} running · {}{}", done,
                                text::plural(static_cast<size_t>(total), "step"), running_.size(),
                                elapsed_text(t - t0_), cost),
               bold_);
    if (progress_ && !progress_->stages().empty()) frame_line(buf, "  " + stage_line());
    // The running steps, oldest first, as many as the window has room for.
    std::vector<std::pair<std::string, Running>> rows(running_.begin(), running_.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second.since < b.second.since; });
    // The frame must stay below the window's height: a line scrolled into the history can no
    // longer be erased.
    const size_t rows_free = terminal_rows(fileno(out_));
    const size_t room = std::min<size_t>(8, rows_free > 5 ? rows_free - 5 : 1);
    const size_t label_cols = width() > 24 ? width() - 24 : 8;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i == room && rows.size() > room) {
        frame_line(buf, fmt::format("  ... and {} more", rows.size() - room));
        break;
      }
      const auto& [key, run] = rows[i];
      const std::string& stage = progress_ ? progress_->stage_of(key.substr(0, key.find('#'))) : "";
      std::string label =
          fit_middle(printable((stage.empty() ? "" : stage + ": ") + run.label), label_cols);
      std::string rest = fmt::format("{}{} attempt {:<3} {:>6.1f}s", label,
                                     std::string(label_cols - display_width(label), ' '),
                                     run.attempt, t - run.since);
      drawn_.push_back(4 + display_width(rest));
      *buf += fmt::format("  {}>{} {}\n", cyan_, reset_, rest);
    }
  }

  // "requirements done · planning 3/7 · implementation 0/10": with many stages, only those
  // still going.
  std::string stage_line() const {
    const auto& stages = progress_->stages();
    std::string line;
    for (const StageProgress& st : stages) {
      bool done = st.finished >= st.total;
      if (done && stages.size() > 6) continue;
      line += (line.empty() ? "" : " · ") + st.name +
              (done ? std::string(" done") : fmt::format(" {}/{}", st.finished, st.total));
    }
    return printable(line);
  }

  FILE* out_;
  double t0_;
  const char* bold_;  // "" without colour; the cursor movements stay
  const char* cyan_;
  const char* reset_;
  std::mutex mu_;  // the run loop draws; a question's thread holds and releases
  std::unique_ptr<StepProgress> progress_;
  std::map<std::string, Running> running_;
  UsageBook usage_;
  std::vector<std::string> pending_;  // lines to scroll up at the next show()
  std::vector<size_t> drawn_;         // the columns of each line of the frame on screen
  bool held_ = false, closed_ = false;
  double last_shown_ = 0;
};

}  // namespace

std::unique_ptr<Status> make_tty_status(FILE* out, bool color) {
  return std::make_unique<LiveView>(out, color);
}

}  // namespace flow::rt

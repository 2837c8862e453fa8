#include "runtime/terminal/ask.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <mutex>

#include <fmt/format.h>

#include "runtime/store/approvals.h"
#include "runtime/terminal/printable.h"
#include "runtime/store/run_store.h"
#include "runtime/processes/subprocess.h"
#include "runtime/terminal/terminal_text.h"

namespace flow::rt {
namespace {

constexpr size_t kShownLines = 6;  // of each output the question is about

// `path` relative to the current directory when it lies below it, so that it is short to read
// and to type; else as it is.
std::string shown_path(const std::string& path) {
  char buf[4096];
  if (!::getcwd(buf, sizeof buf)) return path;
  std::string cwd = std::string(buf) + "/";
  return path.compare(0, cwd.size(), cwd) == 0 ? path.substr(cwd.size()) : path;
}

// The lines under the question for one output: where it is, and how it begins.
void render_work(const WorkShown& w, const std::string& run_id, size_t cols, std::string* out) {
  *out += fit_middle(printable("  about " + w.step + (w.path.empty() ? " (no output)" : ":")), cols) + "\n";
  if (!w.path.empty()) *out += fit_middle(printable("    " + shown_path(w.path)), cols) + "\n";
  std::string text = printable(w.text);
  size_t shown = 0, more = 0, from = 0;
  while (from < text.size()) {
    size_t nl = text.find('\n', from);
    std::string line = text.substr(from, nl == std::string::npos ? std::string::npos : nl - from);
    from = nl == std::string::npos ? text.size() : nl + 1;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    for (char& c : line) c = c == '\t' ? ' ' : c;
    if (shown < kShownLines) {
      *out += fit_end("  \xe2\x94\x82 " + line, cols) + "\n";  // "│"
      ++shown;
    } else {
      ++more;
    }
  }
  if (more > 0)
    *out += fit_end(printable(fmt::format("  \xe2\x94\x82 ... and {} more {} (flow show {} {})", more,
                                          more == 1 ? "line" : "lines", run_id, w.step)),
                    cols) + "\n";
}

}  // namespace

// The question as the terminal shows it, every line within `cols` columns.
std::string render_question(const Question& q, const WaitSpec& w, size_t cols) {
  std::string out = "\n";
  for (const std::string& line : wrap_line("? " + printable(q.text), cols, 2)) out += line + "\n";
  for (const WorkShown& work : q.work) render_work(work, w.run_id, cols, &out);
  std::string keys = q.want_feedback
                         ? "  y approves; n (or Enter) sends it back, and you say what should change"
                         : "  y approves; n (or Enter) refuses, which stops the run";
  for (const std::string& line : wrap_line(keys, cols, 4)) out += line + "\n";
  std::string elsewhere = fmt::format("  or from another shell: flow approve {} {}", w.run_id, w.step);
  for (const std::string& line : wrap_line(printable(elsewhere), cols, 4)) out += line + "\n";
  return out;
}

namespace {

enum class Got { Line, Elsewhere, End, Cancelled };

// Waits for a line typed at the terminal (`fd`, in its usual line mode) or, when the request
// is recorded, an answer given from another shell, whichever comes first.
Got read_answer(int fd, const WaitSpec& w, bool recorded, Cancel* cancel, std::string* line) {
  line->clear();
  for (;;) {
    if (cancel && cancel->requested()) return Got::Cancelled;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 200);
    if (r > 0) {
      char buf[512];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return Got::End;
      line->append(buf, static_cast<size_t>(n));
      size_t nl = line->find('\n');
      if (nl != std::string::npos) {
        line->resize(nl);
        return Got::Line;
      }
      continue;
    }
    if (recorded && answered(w.run_dir, w.step)) return Got::Elsewhere;
  }
}

void say(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

bool is_yes(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s == "y" || s == "Y" || s == "yes" || s == "YES" || s == "Yes";
}

// The answer recorded for the step (ours, or one from another shell that came first).
void take_recorded(const WaitSpec& w, Cancel* cancel, bool ours, Answer* a) {
  ApprovalAnswer got;
  if (!wait_for_answer(w.run_dir, w.step, cancel, &got)) return;
  if (ours) return;
  a->approved = got.approved;
  a->feedback = got.feedback;
  a->comment = got.comment;
  a->who = got.who;
  a->how = "flow approve";
}

// The dialogue at the terminal, once the question is on screen.
Answer converse(int fd, const WaitSpec& w, const Question& q, bool recorded, Cancel* cancel) {
  Answer a;
  a.how = "tty";
  std::string line;
  say(fd, "  [y/N] ");
  Got got = read_answer(fd, w, recorded, cancel, &line);
  if (got == Got::Line) {
    a.approved = is_yes(line);
    if (!a.approved && q.want_feedback) {
      say(fd, "  What should change? ");
      got = read_answer(fd, w, recorded, cancel, &a.feedback);
      if (got == Got::End) got = Got::Line;  // Ctrl-D: no feedback given
    }
  }
  if (got == Got::Cancelled) {
    a.cancelled = true;
    return a;
  }
  if (got == Got::End) got = Got::Line;  // Ctrl-D at the question: a "no"
  bool ours = false;
  if (recorded && got == Got::Line) {
    ApprovalAnswer mine{a.approved, a.approved ? "" : a.feedback, "", "terminal", iso_time_now()};
    std::string err;
    ours = answer_request(w.run_dir, w.step, mine, &err);  // false: another shell was first
  }
  if (recorded) take_recorded(w, cancel, ours, &a);
  if (!ours && a.how == "flow approve")
    say(fd, printable(fmt::format("\n  answered from another shell{}: {}\n",
                                  a.who.empty() ? "" : " by " + a.who,
                                  a.approved ? "approved" : "rejected")));
  ::tcflush(fd, TCIFLUSH);  // what was half typed when the answer came from elsewhere
  return a;
}

}  // namespace

Answer ask_human(const WaitSpec& w, const Question& q, bool auto_yes, ScreenHold* screen,
                 Cancel* cancel) {
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  Answer a;
  if (auto_yes) {
    a.approved = true;
    a.how = "--yes";
    return a;
  }
  int fd = isatty(0) ? ::open("/dev/tty", O_RDWR | O_CLOEXEC) : -1;
  if (fd < 0) {
    a.refused = true;
    return a;
  }
  // Recorded as a wait without a terminal is, so that another shell sees it and may answer;
  // if it cannot be recorded (a full disk), the terminal alone answers.
  std::string err;
  bool recorded = !w.run_dir.empty() &&
                  open_request(w.run_dir, {w.step, q.text, w.kind, iso_time_now(), w.stage}, &err);
  if (screen) screen->hold();
  say(fd, render_question(q, w, std::max<size_t>(terminal_columns(fd) - 1, 20)));
  a = converse(fd, w, q, recorded, cancel);
  if (screen) screen->release();
  ::close(fd);
  return a;
}

bool terminal_available() {
  if (!isatty(0)) return false;
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

namespace {

// The hook gets the question through its environment, never through its command text: a
// question is flow text and may hold anything.
std::string run_notify(const WaitSpec& w, const std::string& question) {
  SubprocessSpec spec;
  spec.argv = {"/bin/sh", "-c", w.notify};
  spec.env = {{"FLOW_RUN_ID", w.run_id}, {"FLOW_RUN_DIR", w.run_dir}, {"FLOW_STEP", w.step},
              {"FLOW_QUESTION", question}, {"FLOW_APPROVAL_KIND", w.kind}};
  spec.merge_stderr = true;
  spec.timeout_ms = 30000;
  spec.max_output = 64 * 1024;
  SubprocessResult r = run_subprocess(spec, nullptr);
  if (r.ok()) return "";
  return "the approvals notify command failed (" + describe_exit(r, spec.timeout_ms) + ")" +
         (r.error.empty() ? "" : ": " + r.error);
}

}  // namespace

Answer wait_for_approval(const WaitSpec& w, const std::string& question, Cancel* cancel) {
  Answer a;
  a.how = "flow approve";
  ApprovalRequest req{w.step, question, w.kind, iso_time_now(), w.stage};
  std::string error;
  if (!open_request(w.run_dir, req, &error)) {
    a.refused = true;
    a.feedback = error;
    return a;
  }
  if (!w.notify.empty()) a.notify_error = run_notify(w, question);
  ApprovalAnswer got;
  if (!wait_for_answer(w.run_dir, w.step, cancel, &got)) {
    a.cancelled = true;
    return a;
  }
  a.approved = got.approved;
  a.feedback = got.feedback;
  a.comment = got.comment;
  a.who = got.who;
  return a;
}

}  // namespace flow::rt

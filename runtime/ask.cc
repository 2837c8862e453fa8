#include "runtime/ask.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <mutex>

#include "runtime/approvals.h"
#include "runtime/run_store.h"
#include "runtime/subprocess.h"

namespace flow::rt {
namespace {

// Reads one line from fd, giving up when cancelled. False on EOF, error or cancel.
bool read_line(int fd, std::string* line, Cancel* cancel) {
  line->clear();
  for (;;) {
    if (cancel && cancel->requested()) return false;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r <= 0) continue;
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) return false;
    if (c == '\n') return true;
    *line += c;
  }
}

}  // namespace

Answer ask_human(const std::string& question, bool auto_yes, bool want_feedback, Cancel* cancel) {
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
  a.how = "tty";
  std::string prompt = "\n? " + question + " [y/N] ";
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  if (!read_line(fd, &line, cancel)) {
    a.cancelled = cancel && cancel->requested();
    ::close(fd);
    return a;
  }
  a.approved = line == "y" || line == "Y" || line == "yes" || line == "YES" || line == "Yes";
  if (!a.approved && want_feedback) {
    std::string ask = "  What should change? ";
    (void)!::write(fd, ask.data(), ask.size());
    read_line(fd, &a.feedback, cancel);
  }
  ::close(fd);
  return a;
}

}  // namespace flow::rt

namespace flow::rt {

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
  ApprovalRequest req{w.step, question, w.kind, iso_time_now()};
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

#include "runtime/ask.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <mutex>

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

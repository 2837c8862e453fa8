// Read: a text file with line numbers, like `cat -n`, a window of lines at a time.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/tools/tool_impl.h"
#include "runtime/tools/tool_paths.h"

namespace flow::rt {
namespace {

struct Lines {
  const ReadInput& in;
  std::string out;
  int64_t line = 0;         // lines seen so far
  bool window_done = false; // the last line asked for was shown
  bool capped = false;      // the output cap was hit before it
  bool more = false;        // lines follow the window

  explicit Lines(const ReadInput& in) : in(in) {}
  void add(std::string_view text) {
    ++line;
    if (window_done || capped) {
      more = more || window_done;
      return;
    }
    if (line < in.offset) return;
    bool cut = false;
    std::string shown = utf8_capped(text, kReadLineCap, &cut);
    if (!shown.empty() && shown.back() == '\r') shown.pop_back();
    std::string row =
        fmt::format("{:>6}\t{}{}\n", line, shown, cut ? " [line cut at 2000 bytes]" : "");
    if (out.size() + row.size() > kToolOutputCap) {
      capped = true;
      return;
    }
    out += row;
    if (line - in.offset + 1 >= in.limit) window_done = true;
  }
};

}  // namespace

ToolOutcome tool_read(const ToolEnv& env, const ReadInput& in) {
  std::string error;
  ToolPath p;
  Fd fd;
  if (!open_existing(env, in.file_path, O_RDONLY, &p, &fd, &error)) return tool_error("Read: " + error);
  Lines lines(in);
  std::string pending;
  char buf[65536];
  bool first = true;
  for (;;) {
    ssize_t n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tool_error("Read: " + p.rel + ": " + std::strerror(errno));
    if (n == 0) break;
    std::string_view chunk(buf, static_cast<size_t>(n));
    if (first && chunk.find('\0') != std::string_view::npos)
      return tool_error("Read: " + p.rel + " looks binary (it holds NUL bytes); Read shows text only");
    first = false;
    for (size_t nl; (nl = chunk.find('\n')) != std::string_view::npos; chunk.remove_prefix(nl + 1)) {
      // A line longer than the cap is kept only up to the cap: memory stays bounded.
      if (pending.size() < kReadLineCap + 4) pending.append(chunk.substr(0, std::min(nl, kReadLineCap + 4)));
      lines.add(pending);
      pending.clear();
    }
    if (pending.size() < kReadLineCap + 4) pending.append(chunk.substr(0, kReadLineCap + 4));
    if (lines.more || lines.capped) break;
  }
  if (!pending.empty()) lines.add(pending);
  if (lines.line == 0) return {p.rel + " is empty", false, ""};
  if (lines.out.empty() && !lines.capped)
    return tool_error("Read: " + p.rel + " has " + std::to_string(lines.line) + " lines; offset " +
                      std::to_string(in.offset) + " is past the end");
  int64_t next = in.offset + static_cast<int64_t>(std::count(lines.out.begin(), lines.out.end(), '\n'));
  if (lines.capped)
    lines.out += "[output cut at 100 KiB; continue with offset " + std::to_string(next) + "]\n";
  else if (lines.more)
    lines.out += "[more lines follow; continue with offset " + std::to_string(next) + "]\n";
  return {lines.out, false, ""};
}

}  // namespace flow::rt

#include "runtime/engine/items.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "runtime/report/markdown_line.h"

namespace flow::rt {
namespace {

// True when `line` is an item line; *text is then its item, trimmed (maybe empty). Emphasis may
// wrap the whole line (`**ITEM: x**`) or the label alone (`**ITEM:** x`).
bool item_line(std::string_view line, std::string_view* text) {
  line = strip_line_prefixes(line);
  size_t n = 0;
  while (n < line.size() && is_emphasis(line[n])) ++n;
  std::string_view open = line.substr(0, n), rest = line.substr(n);
  static constexpr std::string_view kLabel = "ITEM:";
  if (rest.substr(0, kLabel.size()) != kLabel) return false;
  rest.remove_prefix(kLabel.size());
  std::string mirror(open.rbegin(), open.rend());
  if (!open.empty()) {
    if (rest.substr(0, mirror.size()) == mirror) {
      rest.remove_prefix(mirror.size());  // `**ITEM:** text`
    } else {
      rest = trim_space(rest);
      if (rest.size() < mirror.size() || rest.substr(rest.size() - mirror.size()) != mirror)
        return false;  // unbalanced emphasis: not an item line
      rest.remove_suffix(mirror.size());
    }
  }
  *text = trim_space(rest);
  return true;
}

}  // namespace

ChosenItems parse_items(const std::string& answer, int cap) {
  ChosenItems out;
  std::string_view all(answer);
  int line_no = 0;
  for (size_t at = 0; at <= all.size();) {
    size_t end = all.find('\n', at);
    if (end == std::string_view::npos) end = all.size();
    std::string_view line = all.substr(at, end - at), text;
    at = end + 1;
    ++line_no;
    if (!item_line(line, &text)) continue;
    if (text.empty()) {
      out.error = fmt::format("line {}: `ITEM:` with no item after it", line_no);
      return out;
    }
    if (text.size() > kMaxItemBytes) {
      out.error = fmt::format("line {}: an item of {} bytes (at most {})", line_no, text.size(),
                              kMaxItemBytes);
      return out;
    }
    if (std::find(out.items.begin(), out.items.end(), text) != out.items.end()) {
      out.error = fmt::format("line {}: item `{}` is listed twice", line_no, text);
      return out;
    }
    out.items.emplace_back(text);
  }
  if (static_cast<int64_t>(out.items.size()) > cap) {
    out.error = fmt::format("{} items, more than the cap of {}", out.items.size(), cap);
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace flow::rt

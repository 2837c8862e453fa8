#include "runtime/engine/verdict.h"

#include <algorithm>
#include <string_view>

#include "runtime/report/markdown_line.h"

namespace flow::rt {
namespace {

// The run of emphasis characters at the front (or back) of `s`, removed from `s`.
std::string_view take_emphasis(std::string_view* s, bool back) {
  size_t n = 0;
  while (n < s->size() && is_emphasis(back ? (*s)[s->size() - 1 - n] : (*s)[n])) ++n;
  std::string_view run = back ? s->substr(s->size() - n) : s->substr(0, n);
  if (back) s->remove_suffix(n);
  else s->remove_prefix(n);
  return run;
}

bool mirrors(std::string_view open, std::string_view close) {
  return open.size() == close.size() && std::equal(open.begin(), open.end(), close.rbegin());
}

// 1 = PASS, 0 = FAIL, -1 = not a verdict line. Accepted: `VERDICT: PASS` with markdown line
// prefixes, and emphasis (`**`, `__`, `*`, `_`, backticks) either around the whole of it or
// around `VERDICT:` and the word separately, opening and closing runs mirroring each other.
int verdict_of(std::string_view line) {
  line = strip_line_prefixes(line);
  std::string_view open = take_emphasis(&line, false);
  std::string_view close = take_emphasis(&line, true);
  line = trim_space(line);
  constexpr std::string_view kLabel = "VERDICT:";
  if (line.substr(0, kLabel.size()) != kLabel) return -1;
  std::string_view rest = line.substr(kLabel.size());
  std::string_view label_close = take_emphasis(&rest, false);
  rest = trim_space(rest);
  std::string_view word_open = take_emphasis(&rest, false);
  // Either one pair around everything, or one around the label and one around the word.
  bool whole = label_close.empty() && word_open.empty() && mirrors(open, close);
  bool split = mirrors(open, label_close) && mirrors(word_open, close);
  if (!whole && !split) return -1;
  if (rest == "PASS") return 1;
  if (rest == "FAIL") return 0;
  return -1;
}

}  // namespace

Verdict parse_verdict(const std::string& answer) {
  Verdict v;
  size_t line_start = 0, found_start = 0, found_end = 0;
  while (line_start <= answer.size()) {
    size_t nl = answer.find('\n', line_start);
    size_t line_end = nl == std::string::npos ? answer.size() : nl;
    int r = verdict_of(std::string_view(answer).substr(line_start, line_end - line_start));
    if (r >= 0) {
      v.found = true;
      v.pass = r == 1;
      found_start = line_start;
      found_end = nl == std::string::npos ? answer.size() : nl + 1;
    }
    if (nl == std::string::npos) break;
    line_start = nl + 1;
  }
  if (!v.found) {
    v.feedback = std::string(trim_space(answer));
    v.reason = "no verdict line (expected \"VERDICT: PASS\" or \"VERDICT: FAIL\")";
    return v;
  }
  std::string rest = answer.substr(0, found_start) + answer.substr(found_end);
  v.feedback = std::string(trim_space(rest));
  return v;
}

}  // namespace flow::rt

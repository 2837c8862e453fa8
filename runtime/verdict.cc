#include "runtime/verdict.h"

#include <string_view>

namespace flow::rt {
namespace {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// 1 = PASS, 0 = FAIL, -1 = not a verdict line.
int verdict_of(std::string_view line) {
  line = trim(line);
  constexpr std::string_view kPrefix = "VERDICT:";
  if (line.substr(0, kPrefix.size()) != kPrefix) return -1;
  std::string_view rest = trim(line.substr(kPrefix.size()));
  // trim() also strips CR/LF, which cannot occur inside one line anyway.
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
    v.feedback = std::string(trim(answer));
    v.reason = "no verdict line (expected \"VERDICT: PASS\" or \"VERDICT: FAIL\")";
    return v;
  }
  std::string rest = answer.substr(0, found_start) + answer.substr(found_end);
  v.feedback = std::string(trim(rest));
  return v;
}

}  // namespace flow::rt

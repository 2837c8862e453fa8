// The retry policy for model requests: which answers are worth another attempt, and the wait.
#include "runtime/backends/model_retry.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace flow::rt {

bool retryable_status(int status) {
  return status == 429 || status == 529 || (status >= 500 && status <= 599);
}

namespace {

// An HTTP date (RFC 9110 IMF-fixdate) as Unix milliseconds; -1 when it does not parse.
int64_t http_date_ms(const std::string& text) {
  struct tm tm = {};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return -1;
  time_t t = timegm(&tm);
  return t < 0 ? -1 : static_cast<int64_t>(t) * 1000;
}

// A non-negative decimal number of `unit_ms` units; -1 when `text` is anything else.
int64_t number_ms(const std::string& text, double unit_ms) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) return -1;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v) || v < 0) return -1;
  return static_cast<int64_t>(std::min(v * unit_ms, 1e12));
}

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

int64_t retry_after_delay_ms(const std::string& retry_after, const std::string& retry_after_ms,
                             int64_t now_unix_ms) {
  std::string ra = trimmed(retry_after);
  int64_t ms = number_ms(ra, 1000.0);
  if (ms < 0 && !ra.empty()) {
    int64_t at = http_date_ms(ra);
    if (at >= 0) ms = std::max<int64_t>(0, at - now_unix_ms);
  }
  if (ms < 0) ms = number_ms(trimmed(retry_after_ms), 1.0);
  return ms < 0 ? -1 : std::min(ms, kMaxRetryAfterMs);
}

int64_t backoff_delay_ms(int base_ms, int attempt, double random01) {
  double cap = std::max(0, base_ms);
  for (int i = 1; i < attempt && cap < kMaxBackoffMs; ++i) cap *= 2;
  cap = std::min<double>(cap, kMaxBackoffMs);
  double r = std::clamp(random01, 0.0, 1.0);
  return static_cast<int64_t>(cap * r);
}

}  // namespace flow::rt

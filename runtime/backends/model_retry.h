#pragma once
// When a failed model request is tried again, and after how long (docs/config.md, "Model API
// requests"). Pure functions, so the policy is tested without a network.
#include <cstdint>
#include <string>

namespace flow::rt {

// A retry-after value is never obeyed beyond this; a longer one is cut to it.
constexpr int64_t kMaxRetryAfterMs = 60000;
// Exponential backoff stops growing here.
constexpr int64_t kMaxBackoffMs = 30000;

// 429, 529 and 500-599: the provider is busy or failing; worth another attempt.
bool retryable_status(int status);

// The wait a retry-after header asks for: delay-seconds ("1", "1.5") or an HTTP date
// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now_unix_ms`), capped at kMaxRetryAfterMs;
// `retry_after_ms` (OpenAI's millisecond header) is used when the other is absent.
// -1 when neither is present or parses.
int64_t retry_after_delay_ms(const std::string& retry_after, const std::string& retry_after_ms,
                             int64_t now_unix_ms);

// Full jitter: a uniform wait in [0, min(kMaxBackoffMs, base_ms * 2^(attempt-1))], where
// `attempt` is the 1-based attempt that failed and `random01` is in [0, 1).
int64_t backoff_delay_ms(int base_ms, int attempt, double random01);

}  // namespace flow::rt

#include "runtime/engine/backoff.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace flow::rt {
namespace {

// splitmix64 over a counter seeded once per process: cheap, and no two processes started
// together draw the same delays.
uint64_t next_jitter() {
  static std::atomic<uint64_t> state{
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
      static_cast<uint64_t>(::getpid())};
  uint64_t z = state.fetch_add(0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

int64_t retry_delay_ms(const RetryPolicy& policy, int number) {
  int64_t delay = static_cast<int64_t>(std::max(policy.delay_ms, 0)) << std::clamp(number - 1, 0, 16);
  delay = std::min<int64_t>(delay, 3600 * 1000);
  return delay / 2 + static_cast<int64_t>(next_jitter() % static_cast<uint64_t>(delay - delay / 2 + 1));
}

}  // namespace flow::rt

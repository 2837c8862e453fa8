// The delay before a failed backend call is tried again.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "runtime/engine/backoff.h"

using flow::rt::retry_delay_ms;
using flow::rt::RetryPolicy;

TEST_CASE("a retry waits between half and all of its doubled delay, at most an hour") {
  const RetryPolicy policy{5, 1000};
  for (int number = 1; number <= 40; ++number) {
    const int64_t full = std::min<int64_t>(int64_t{1000} << std::min(number - 1, 16), 3600000);
    for (int i = 0; i < 50; ++i) {
      int64_t d = retry_delay_ms(policy, number);
      REQUIRE(d >= full / 2);
      REQUIRE(d <= full);
    }
  }
  CHECK(retry_delay_ms(RetryPolicy{3, 0}, 1) == 0);
}

TEST_CASE("retries that fail together are spread out") {
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(retry_delay_ms(RetryPolicy{1, 10000}, 1));
  CHECK(seen.size() > 10);
}

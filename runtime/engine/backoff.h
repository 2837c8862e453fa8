#pragma once
// How long a failed backend call waits before it is tried again (docs/config.md).
#include <cstdint>

#include "runtime/backends/backend.h"

namespace flow::rt {

// The policy's delay doubled for each earlier try of the call (`number` 1 is the first), at
// most an hour, then jittered to between half and all of that, so that calls which failed
// together (a rate limit) do not all come back at once.
int64_t retry_delay_ms(const RetryPolicy& policy, int number);

}  // namespace flow::rt

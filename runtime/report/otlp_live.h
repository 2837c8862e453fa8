#pragma once
// `flow run --otlp-endpoint URL`: the run's spans sent live to an OpenTelemetry collector over
// OTLP/HTTP with JSON (POST URL/v1/traces): each call's span when the call ends (a review's
// when its verdict is known), the run, stage and step spans when the run ends. A background
// thread posts, so the run never waits for the collector; one that is down, refuses or hangs
// costs at most a short timeout per request, a single warning, and never fails the run.
#include <memory>
#include <string>

#include "runtime/terminal/status.h"

namespace flow::rt {

// Each request gives up after this long, and the end of the run waits at most this long for
// spans still being sent.
constexpr int kOtlpTimeoutMs = 2000;

// Wraps `inner` (everything is passed on to it) and exports the events it sees.
std::unique_ptr<Status> make_otlp_status(std::unique_ptr<Status> inner, const std::string& endpoint,
                                         const std::string& run_id, const std::string& flow);

}  // namespace flow::rt

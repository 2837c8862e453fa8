#pragma once
// A run as OpenTelemetry traces in OTLP/JSON (docs/report.md, "OpenTelemetry"): one trace per
// run, a span for the run, each stage, each step (gates included) and each call, with the
// GenAI semantic conventions' attributes for model and tokens and `flow.cost_usd` for cost.
// Prompts and outputs are not put in spans (they can be large and hold anything an agent read).
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/report/run_view.h"

namespace flow::rt {

// {"resourceSpans": [{"resource": ..., "scopeSpans": [{"scope": ..., "spans": [...]}]}]}
// Without `with_calls`, only the run, stage and step spans (the live export sends each call's
// span when the call ends, and these at the end of the run).
nlohmann::ordered_json run_to_otlp(const RunView& run, bool with_calls = true);

// The span of call number `index` (in dispatch order) of a run, as run_to_otlp() makes it.
nlohmann::ordered_json call_span(const RunView& run, size_t index);

// Wraps spans in the resourceSpans document of run `run`.
nlohmann::ordered_json otlp_document(const RunView& run, nlohmann::ordered_json spans);

// 32 lower-case hex digits derived from the run id: the same run always has the same trace.
std::string otlp_trace_id(const std::string& run_id);

}  // namespace flow::rt

#include "runtime/report/otlp_json.h"

#include <map>

#include <fmt/format.h>

namespace flow::rt {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

uint64_t fnv1a(const std::string& s, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

constexpr uint64_t kFnvBasis = 14695981039346656037ULL;

// A span id from what the span stands for ("call:12", "step:plan", ...); never all zeros.
std::string span_id(const std::string& run_id, const std::string& what) {
  uint64_t h = fnv1a(run_id + "\n" + what, kFnvBasis);
  return fmt::format("{:016x}", h == 0 ? 1 : h);
}

std::string nanos(int64_t ms) { return std::to_string(ms) + "000000"; }

ojson attr(const std::string& key, const std::string& value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}
ojson attr_int(const std::string& key, int64_t value) {
  // OTLP/JSON writes 64-bit integers as decimal strings.
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}
ojson attr_double(const std::string& key, double value) {
  return {{"key", key}, {"value", {{"doubleValue", value}}}};
}

ojson status(bool ok, const std::string& message) {
  if (ok) return {{"code", 1}};
  return {{"code", 2}, {"message", message}};
}

// The GenAI conventions' provider names for the backends that call a model API; the other
// backends are named as they are.
std::string provider(const std::string& backend) {
  if (backend == "claude") return "anthropic";
  return backend;
}

struct Range {
  int64_t start = 0, end = 0;
  bool ok = true, any = false;
  std::string error;
  void add(int64_t s, int64_t e, bool good, const std::string& err) {
    start = any ? std::min(start, s) : s;
    end = any ? std::max(end, e) : e;
    any = true;
    if (!good && ok) {
      ok = false;
      error = err;
    }
  }
};

ojson span(const std::string& trace, const std::string& id, const std::string& parent, const std::string& name,
           int kind, int64_t start, int64_t end, ojson attrs, ojson st) {
  ojson s{{"traceId", trace}, {"spanId", id}};
  if (!parent.empty()) s["parentSpanId"] = parent;
  s["name"] = name;
  s["kind"] = kind;  // 1 internal, 3 client
  s["startTimeUnixNano"] = nanos(start);
  s["endTimeUnixNano"] = nanos(std::max(start, end));
  s["attributes"] = std::move(attrs);
  s["status"] = std::move(st);
  return s;
}

ojson call_attributes(const CallRecord& c) {
  ojson a = ojson::array();
  a.push_back(attr("flow.step", c.step));
  a.push_back(attr("flow.call.kind", c.kind));
  a.push_back(attr_int("flow.attempt", c.attempt));
  if (c.index >= 0) a.push_back(attr_int("flow.index", c.index));
  if (c.backend_retries > 0) a.push_back(attr_int("flow.backend_retries", c.backend_retries));
  if (!c.verdict.empty()) a.push_back(attr("flow.verdict", c.verdict));
  if (c.kind == "agent" || c.kind == "review") {
    a.push_back(attr("gen_ai.operation.name", "invoke_agent"));
    a.push_back(attr("gen_ai.agent.name", c.agent));
    if (!c.model.empty()) a.push_back(attr("gen_ai.request.model", c.model));
    if (!c.backend.empty()) a.push_back(attr("gen_ai.provider.name", provider(c.backend)));
    if (!c.backend.empty()) a.push_back(attr("flow.backend", c.backend));
  }
  if (const ev::CallUsage* u = c.end_event && c.end_event->usage ? &*c.end_event->usage : nullptr) {
    a.push_back(attr_int("gen_ai.usage.input_tokens", u->input_tokens));
    a.push_back(attr_int("gen_ai.usage.output_tokens", u->output_tokens));
    a.push_back(attr_int("gen_ai.usage.cache_read.input_tokens", u->cache_read_tokens));
    a.push_back(attr_int("gen_ai.usage.cache_creation.input_tokens", u->cache_creation_tokens));
    a.push_back(attr_int("flow.turns", u->turns));
    if (u->cost_usd) a.push_back(attr_double("flow.cost_usd", *u->cost_usd));
  }
  return a;
}

}  // namespace

std::string otlp_trace_id(const std::string& run_id) {
  return fmt::format("{:016x}{:016x}", fnv1a(run_id, kFnvBasis), fnv1a(run_id, kFnvBasis ^ 0x5bd1e995ULL) | 1);
}

ojson call_span(const RunView& v, size_t i) {
  const CallRecord& c = v.calls[i];
  bool model = c.kind == "agent" || c.kind == "review";
  std::string name = model ? "invoke_agent " + c.agent : c.kind + " " + c.step;
  bool ok = c.finished && c.ok;
  return span(otlp_trace_id(v.id), span_id(v.id, fmt::format("call:{}", i)), span_id(v.id, "step:" + c.step),
              name, model ? 3 : 1, c.start_ms, c.finished ? c.end_ms : v.end_ms, call_attributes(c),
              status(ok, c.finished ? c.error : "the call did not finish"));
}

ojson otlp_document(const RunView& v, ojson spans) {
  ojson resource{{"attributes", ojson::array({attr("service.name", "flow"), attr("flow.run.id", v.id),
                                              attr("flow.flow", v.flow)})}};
  ojson scope{{"name", "flow"}};
  return {{"resourceSpans",
           ojson::array({{{"resource", resource},
                          {"scopeSpans", ojson::array({{{"scope", scope}, {"spans", std::move(spans)}}})}}})}};
}

ojson run_to_otlp(const RunView& v, bool with_calls) {
  std::string trace = otlp_trace_id(v.id);
  std::string root = span_id(v.id, "run");
  std::map<std::string, Range> stages, steps;
  std::map<std::string, std::string> stage_of;  // step → stage
  std::vector<std::string> stage_order, step_order;
  for (const CallRecord& c : v.calls) {
    int64_t end = c.finished ? c.end_ms : v.end_ms;
    bool ok = !c.finished || c.ok;
    if (!stages.count(c.stage)) stage_order.push_back(c.stage);
    if (!steps.count(c.step)) step_order.push_back(c.step);
    stages[c.stage].add(c.start_ms, end, ok, c.error);
    steps[c.step].add(c.start_ms, end, ok && c.verdict != "FAIL", c.error.empty() ? "verdict FAIL" : c.error);
    stage_of.emplace(c.step, c.stage);
  }
  ojson spans = ojson::array();
  std::string run_status = v.status;
  spans.push_back(span(trace, root, "", "flow run " + v.flow, 1, v.start_ms, v.end_ms,
                       ojson::array({attr("flow.run.id", v.id), attr("flow.flow", v.flow),
                                     attr("flow.run.status", run_status)}),
                       status(run_status == "succeeded", "the run ended " + run_status)));
  for (const std::string& s : stage_order) {
    const Range& r = stages[s];
    spans.push_back(span(trace, span_id(v.id, "stage:" + s), root, "stage " + s, 1, r.start, r.end,
                         ojson::array({attr("flow.stage", s)}), status(r.ok, r.error)));
  }
  for (const std::string& s : step_order) {
    const Range& r = steps[s];
    bool gate = s.find('/') != std::string::npos;
    spans.push_back(span(trace, span_id(v.id, "step:" + s), span_id(v.id, "stage:" + stage_of[s]),
                         (gate ? "gate " : "step ") + s, 1, r.start, r.end,
                         ojson::array({attr("flow.step", s), attr("flow.step.kind", gate ? "gate" : "step")}),
                         status(r.ok, r.error)));
  }
  if (with_calls)
    for (size_t i = 0; i < v.calls.size(); ++i) spans.push_back(call_span(v, i));
  return otlp_document(v, std::move(spans));
}

}  // namespace flow::rt

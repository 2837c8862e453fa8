#include "runtime/report/run_view.h"

#include <ctime>

#include "runtime/store/approvals.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

std::string string_field(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t num(const json& e, const char* key, int64_t fallback) {
  auto it = e.find(key);
  return it != e.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string key_of(const std::string& step, const json& e) {
  return step + "\x1f" + std::to_string(num(e, "attempt", 0)) + "\x1f" + std::to_string(num(e, "index", -1));
}

CallRecord dispatched(const json& e, int64_t ts) {
  CallRecord c;
  c.step = string_field(e, "step");
  c.stage = string_field(e, "stage");
  c.kind = string_field(e, "kind");
  c.agent = string_field(e, "agent");
  c.model = string_field(e, "model");
  c.backend = string_field(e, "backend");
  c.attempt = num(e, "attempt", 0);
  c.index = num(e, "index", -1);
  c.start_ms = ts < 0 ? 0 : ts;
  return c;
}

void ended(CallRecord& c, const json& e, int64_t ts) {
  c.finished = true;
  c.ok = e.value("ok", false);
  c.end_ms = ts < 0 ? c.start_ms : ts;
  c.error = string_field(e, "error");
  c.prompt_file = string_field(e, "prompt");
  c.output_file = string_field(e, "output");
  if (c.agent.empty()) c.agent = string_field(e, "agent");
  c.end_event = e;
}

}  // namespace

int64_t parse_iso_ms(const std::string& ts) {
  std::tm tm{};
  int ms = 0;
  char z = 0;
  if (std::sscanf(ts.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z) != 8 || z != 'Z')
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t secs = timegm(&tm);
  if (secs == static_cast<time_t>(-1)) return -1;
  return static_cast<int64_t>(secs) * 1000 + ms;
}

std::string run_live_status(const std::string& dir, const json& meta) {
  auto it = meta.find("status");
  std::string s = it != meta.end() && it->is_string() ? it->get<std::string>() : "unknown";
  if (s == "running" && !run_is_locked(dir)) return "crashed";
  if (s == "running" && !pending_requests(dir).empty()) return "waiting";  // for a person
  return s;
}

bool load_run_view(const std::string& dir, RunView* v, std::string* error) {
  std::string text;
  if (!read_file(dir + "/run.json", &text)) {
    *error = "cannot read " + dir + "/run.json";
    return false;
  }
  v->meta = json::parse(text, nullptr, false);
  if (!v->meta.is_object()) {
    *error = dir + "/run.json is not a JSON object (the run directory is damaged)";
    return false;
  }
  v->dir = dir;
  v->id = v->meta.value("id", "");
  v->flow = v->meta.value("flow", "");
  v->status = run_live_status(dir, v->meta);
  if (read_file(dir + "/ir.json", &text)) {
    v->ir = json::parse(text, nullptr, false);
    if (!v->ir.is_object()) v->ir = nullptr;
  }
  EventsRead r = read_events(dir + "/events.jsonl");
  if (!r.ok) {
    *error = r.error;
    return false;
  }
  v->events = std::move(r.events);
  index_run_events(v);
  return true;
}

void index_run_events(RunView* v) {
  v->calls.clear();
  v->open_calls.clear();
  v->last_calls.clear();
  for (const json& e : v->events) add_run_event(v, e);
}

// Pairs dispatches with their ends; a later dispatch of the same call (a resume re-running an
// unfinished call) starts a new record.
int64_t add_run_event(RunView* v, const json& e) {
  std::string ev = string_field(e, "event");
  int64_t ts = parse_iso_ms(string_field(e, "ts"));
  if (ts >= 0) {
    if (v->start_ms == 0 || ts < v->start_ms) v->start_ms = ts;
    if (ts > v->end_ms) v->end_ms = ts;
  }
  if (ev == "dispatch") {
    std::string key = key_of(string_field(e, "step"), e);
    v->open_calls[key] = v->last_calls[key] = v->calls.size();
    v->calls.push_back(dispatched(e, ts));
  } else if (ev == "attempt" || ev == "call_retry" || ev == "write_refused") {
    auto it = v->open_calls.find(key_of(string_field(e, "step"), e));
    if (it == v->open_calls.end()) return -1;
    size_t i = it->second;
    if (ev == "call_retry") {
      ++v->calls[i].backend_retries;
      return -1;
    }
    if (ev == "write_refused") {  // recorded before the call's `attempt` event
      std::string by = string_field(e, "by"), tool = string_field(e, "tool");
      std::string how = by == "kernel"   ? "refused by the kernel"
                        : by == "claude" ? tool + ", refused by Claude Code"
                                         : tool + ", refused by the tool";
      v->calls[i].refused.push_back(string_field(e, "path") + " (" + how + ")");
      return -1;
    }
    ended(v->calls[i], e, ts);
    v->open_calls.erase(it);
    return static_cast<int64_t>(i);
  } else if (ev == "verdict") {
    auto it = v->last_calls.find(key_of(string_field(e, "gate"), e));
    if (it == v->last_calls.end()) return -1;
    v->calls[it->second].verdict = string_field(e, "verdict");
    v->calls[it->second].item_review = e.contains("check_index");
    v->calls[it->second].feedback = string_field(e, "feedback");
    return static_cast<int64_t>(it->second);
  }
  return -1;
}

}  // namespace flow::rt

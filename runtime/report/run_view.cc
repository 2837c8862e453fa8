#include "runtime/report/run_view.h"

#include <ctime>

#include "runtime/store/approvals.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

std::string call_key(const std::string& step, int64_t attempt, const std::optional<int64_t>& index) {
  return step + "\x1f" + std::to_string(attempt) + "\x1f" + std::to_string(index.value_or(-1));
}

CallRecord dispatched(const ev::Dispatch& d, int64_t ts) {
  CallRecord c;
  c.step = d.step;
  c.stage = d.stage;
  c.kind = d.kind;
  c.agent = d.agent.value_or("");
  c.model = d.model.value_or("");
  c.backend = d.backend.value_or("");
  c.attempt = d.attempt;
  c.index = d.index.value_or(-1);
  c.start_ms = ts < 0 ? 0 : ts;
  return c;
}

void ended(CallRecord& c, const ev::Attempt& a, int64_t ts) {
  c.finished = true;
  c.ok = a.ok;
  c.end_ms = ts < 0 ? c.start_ms : ts;
  c.error = a.error.value_or("");
  c.prompt_file = a.prompt.value_or("");
  c.output_file = a.output.value_or("");
  if (c.agent.empty()) c.agent = a.agent.value_or("");
  c.end_event = a;
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

std::string run_live_status(const std::string& dir, const std::string& recorded) {
  const std::string s = recorded.empty() ? "unknown" : recorded;
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
  json meta = json::parse(text, nullptr, false);
  if (!meta.is_object()) {
    *error = dir + "/run.json is not a JSON object (the run directory is damaged)";
    return false;
  }
  // A hand-edited run.json may hold anything: a field of another type reads as its JSON text.
  auto text_of = [](const json& j) {
    return j.is_string() ? j.get<std::string>() : j.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  auto field = [&](const char* key) {
    auto it = meta.find(key);
    return it == meta.end() || !it->is_string() ? std::string() : it->get<std::string>();
  };
  v->dir = dir;
  v->id = field("id");
  v->flow = field("flow");
  v->started = field("started");
  v->status = run_live_status(dir, field("status"));
  if (auto in = meta.find("inputs"); in != meta.end() && in->is_object())
    for (auto& [k, val] : in->items()) v->inputs.emplace_back(k, text_of(val));
  if (read_file(dir + "/ir.json", &text) && json::parse(text, nullptr, false).is_object())
    v->ir = std::move(text);
  EventLogRead r = read_event_log(dir + "/events.jsonl");
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
  for (const Event& e : v->events) add_run_event(v, e);
}

// Pairs dispatches with their ends; a later dispatch of the same call (a resume re-running an
// unfinished call) starts a new record.
int64_t add_run_event(RunView* v, const Event& e) {
  int64_t ts = parse_iso_ms(e.ts);
  if (ts >= 0) {
    if (v->start_ms == 0 || ts < v->start_ms) v->start_ms = ts;
    if (ts > v->end_ms) v->end_ms = ts;
  }
  if (const auto* d = std::get_if<ev::Dispatch>(&e.body)) {
    std::string key = call_key(d->step, d->attempt, d->index);
    v->open_calls[key] = v->last_calls[key] = v->calls.size();
    v->calls.push_back(dispatched(*d, ts));
  } else if (const ev::CallPlace* at = call_place(e.body)) {  // an attempt, retry, refusal ...
    auto it = v->open_calls.find(call_key(at->step, at->attempt, at->index));
    if (it == v->open_calls.end()) return -1;
    size_t i = it->second;
    if (std::holds_alternative<ev::CallRetry>(e.body)) {
      ++v->calls[i].backend_retries;
      return -1;
    }
    if (const auto* w = std::get_if<ev::WriteRefused>(&e.body)) {  // before the call's `attempt`
      std::string tool = w->tool.value_or("");
      std::string how = w->by == "kernel"   ? "refused by the kernel"
                        : w->by == "claude" ? tool + ", refused by Claude Code"
                                            : tool + ", refused by the tool";
      v->calls[i].refused.push_back(w->path + " (" + how + ")");
      return -1;
    }
    const auto* a = std::get_if<ev::Attempt>(&e.body);
    if (!a) return -1;  // what a backend saw during the call: not part of the record
    ended(v->calls[i], *a, ts);
    v->open_calls.erase(it);
    return static_cast<int64_t>(i);
  } else if (const auto* verdict = std::get_if<ev::Verdict>(&e.body)) {
    auto it = v->last_calls.find(call_key(verdict->gate, verdict->attempt, verdict->index));
    if (it == v->last_calls.end()) return -1;
    v->calls[it->second].verdict = verdict->verdict;
    v->calls[it->second].item_review = verdict->check_index.has_value();
    v->calls[it->second].feedback = verdict->feedback;
    return static_cast<int64_t>(it->second);
  }
  return -1;
}

}  // namespace flow::rt

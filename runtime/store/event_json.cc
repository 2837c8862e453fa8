// The JSON form of events (events.jsonl): the one place that knows the fields' names. Each
// kind's fields are listed once, in their order on disk, by a `fields` function that both the
// writer and the reader walk, so the two cannot drift apart.
//
// The line format is older than these types and must stay byte for byte what it was: the
// stamp (seq, ts, ms), "event", then the kind's fields in the order below; optional fields
// absent when empty. Reading is lenient, as the readers of untyped events were: a field that is
// missing or of another type reads as empty, 0 or false, a string field holding another value
// reads as that value's JSON text, and a kind this version does not know is kept whole as
// ev::Unknown. Only a line that is not a JSON object with an "event" is refused (the caller
// calls that a damaged line).
#include <cstring>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "runtime/store/event_json.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// The wire name of each kind, from events.def.
template <class T>
constexpr const char* kEventWire = nullptr;
#define FLOW_EVENT(TYPE, WIRE) \
  template <>                  \
  constexpr const char* kEventWire<ev::TYPE> = WIRE;
#include "runtime/store/events.def"
#undef FLOW_EVENT

// Appends fields to an object in order: no lookup per field, and the order is the one listed.
struct FieldWriter {
  ojson::object_t& o;
  void operator()(const char* k, const std::string& v) { o.emplace_back(k, v); }
  void operator()(const char* k, int64_t v) { o.emplace_back(k, v); }
  void operator()(const char* k, bool v) { o.emplace_back(k, v); }
  void operator()(const char* k, double v) { o.emplace_back(k, v); }
  void operator()(const char* k, const std::vector<std::string>& v) { o.emplace_back(k, v); }
  template <class T>
  void operator()(const char* k, const std::optional<T>& v) {
    if (v) (*this)(k, *v);
  }
  // A free-form value kept as its JSON text; text that is not JSON is written as a string.
  void raw(const char* k, const std::string& text) {
    ojson v = ojson::parse(text, nullptr, false);
    if (v.is_discarded()) v = text;
    o.emplace_back(k, std::move(v));
  }
  void usage(const std::optional<ev::CallUsage>& u) {
    if (!u) return;
    if (u->cost_usd) (*this)("cost_usd", *u->cost_usd);
    else o.emplace_back("cost_usd", nullptr);  // tokens known, the model has no price
    (*this)("input_tokens", u->input_tokens);
    (*this)("output_tokens", u->output_tokens);
    (*this)("cache_read_tokens", u->cache_read_tokens);
    (*this)("cache_creation_tokens", u->cache_creation_tokens);
    (*this)("turns", u->turns);
    (*this)("session_id", u->session_id);
  }
};

// Reads fields leniently (see the top of the file).
struct FieldReader {
  const json& o;
  const json* find(const char* k) const {
    auto it = o.find(k);
    return it == o.end() || it->is_null() ? nullptr : &*it;
  }
  void operator()(const char* k, std::string& v) {
    const json* j = find(k);
    if (!j) v.clear();
    else if (j->is_string()) v = j->get<std::string>();
    else v = j->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  void operator()(const char* k, int64_t& v) {
    const json* j = find(k);
    v = j && j->is_number() ? j->get<int64_t>() : 0;
  }
  void operator()(const char* k, bool& v) {
    const json* j = find(k);
    v = j && j->is_boolean() && j->get<bool>();
  }
  void operator()(const char* k, double& v) {
    const json* j = find(k);
    v = j && j->is_number() ? j->get<double>() : 0;
  }
  void operator()(const char* k, std::vector<std::string>& v) {
    v.clear();
    const json* j = find(k);
    if (j && j->is_array())
      for (const json& s : *j)
        if (s.is_string()) v.push_back(s.get<std::string>());
  }
  // An optional field is there when its value has the field's type (any value, for text).
  template <class T>
  void operator()(const char* k, std::optional<T>& v) {
    const json* j = find(k);
    v.reset();
    if (!j) return;
    if constexpr (std::is_same_v<T, std::string>) {
      v.emplace();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!j->is_boolean()) return;
      v.emplace();
    } else {
      if (!j->is_number()) return;
      v.emplace();
    }
    (*this)(k, *v);
  }
  void raw(const char* k, std::string& text) {
    const json* j = find(k);
    text = j ? j->dump(-1, ' ', false, json::error_handler_t::replace) : "{}";
  }
  void usage(std::optional<ev::CallUsage>& u) {
    u.reset();
    if (!o.contains("cost_usd")) return;  // null too: the call's usage was reported
    ev::CallUsage& c = u.emplace();
    (*this)("cost_usd", c.cost_usd);
    (*this)("input_tokens", c.input_tokens);
    (*this)("output_tokens", c.output_tokens);
    (*this)("cache_read_tokens", c.cache_read_tokens);
    (*this)("cache_creation_tokens", c.cache_creation_tokens);
    (*this)("turns", c.turns);
    (*this)("session_id", c.session_id);
  }
};

// The fields of each kind, in their order on disk: one function per kind, walked by the writer
// (E const) and by the reader alike. A kind of events.def without one does not compile.
template <class E, class T>
concept EventOf = std::is_same_v<std::remove_const_t<E>, T>;

template <class V, class P>
void place_fields(V& v, P& at) {
  v("step", at.step);
  v("kind", at.kind);
  v("attempt", at.attempt);
  v("index", at.index);
}

template <class V, EventOf<ev::RunStart> E>
void fields(V& v, E& e) {
  v("run", e.run);
  v("flow", e.flow);
  v("backend", e.backend);
  v("simulated", e.simulated);
  v("jobs", e.jobs);
  v.raw("inputs", e.inputs);
  v("steps", e.steps);
  v("gates", e.gates);
}
template <class V, EventOf<ev::RunResume> E>
void fields(V& v, E& e) {
  v("run", e.run);
  v("finished", e.finished);
}
template <class V, EventOf<ev::LeftoverKilled> E>
void fields(V& v, E& e) {
  v("pgid", e.pgid);
  v("pid", e.pid);
}
template <class V, EventOf<ev::Interrupted> E>
void fields(V& v, E& e) {
  v("signal", e.signal);
}
template <class V, EventOf<ev::RunEnd> E>
void fields(V& v, E& e) {
  v("status", e.status);
  v("error", e.error);
  v("duration_ms", e.duration_ms);
}
template <class V, EventOf<ev::Fail> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("error", e.error);
}
template <class V, EventOf<ev::BudgetExhausted> E>
void fields(V& v, E& e) {
  v("reason", e.reason);
  v("calls", e.calls);
  v("cost_usd", e.cost_usd);
  v("tokens", e.tokens);
  v("max_calls", e.max_calls);
  v("max_cost_usd", e.max_cost_usd);
  v("max_tokens", e.max_tokens);
}
template <class V, EventOf<ev::BudgetUnknownCost> E>
void fields(V& v, E& e) {
  v("step", e.step);
}
template <class V, EventOf<ev::Skip> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("reason", e.reason);
}
template <class V, EventOf<ev::Dispatch> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("stage", e.stage);
  v("attempt", e.attempt);
  v("index", e.index);
  v("kind", e.kind);
  v("agent", e.agent);
  v("model", e.model);
  v("backend", e.backend);
}
template <class V, EventOf<ev::CallRetry> E>
void fields(V& v, E& e) {
  place_fields(v, e.at);
  v("call", e.call);
  v("calls", e.calls);
  v("error", e.error);
  v("delay_ms", e.delay_ms);
}
template <class V, EventOf<ev::Attempt> E>
void fields(V& v, E& e) {
  place_fields(v, e.at);
  v("agent", e.agent);
  v("ok", e.ok);
  v("duration_ms", e.duration_ms);
  v("output", e.output);
  v("prompt", e.prompt);
  v("output_hash", e.output_hash);
  v("bytes", e.bytes);
  v("error", e.error);
  v.usage(e.usage);
}
template <class V, EventOf<ev::Items> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("attempt", e.attempt);
  v("from", e.from);
  v("cap", e.cap);
  v("items", e.items);
}
template <class V, EventOf<ev::Done> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("attempt", e.attempt);
  v("output", e.output);
  v("output_hash", e.output_hash);
  v("items", e.items);
}
template <class V, EventOf<ev::Verdict> E>
void fields(V& v, E& e) {
  v("gate", e.gate);
  v("step", e.step);
  v("attempt", e.attempt);
  v("index", e.index);
  v("check", e.check);
  v("verdict", e.verdict);
  v("feedback", e.feedback);
  v("check_index", e.check_index);
  v("reason", e.reason);
  v("agent", e.agent);
  v("command", e.command);
  v("duration_ms", e.duration_ms);
  v("cost_usd", e.cost_usd);
}
template <class V, EventOf<ev::GatePass> E>
void fields(V& v, E& e) {
  v("gate", e.gate);
  v("step", e.step);
  v("attempt", e.attempt);
  v("unapproved", e.unapproved);
}
template <class V, EventOf<ev::Retry> E>
void fields(V& v, E& e) {
  v("gate", e.gate);
  v("index", e.index);
  v("attempt", e.attempt);
  v("retries", e.retries);
  v("sent_back", e.sent_back);
  v("feedback", e.feedback);
  v("steps", e.steps);
}
template <class V, EventOf<ev::Rework> E>
void fields(V& v, E& e) {
  v("gate", e.gate);
  v("index", e.index);
  v("step", e.step);
  v("attempt", e.attempt);
  v("retries", e.retries);
  v("reason", e.reason);
  v("feedback", e.feedback);
  v("steps", e.steps);
}
template <class V, EventOf<ev::Exhausted> E>
void fields(V& v, E& e) {
  v("gate", e.gate);
  v("index", e.index);
  v("step", e.step);
  v("attempts", e.attempts);
  v("action", e.action);
  v("feedback", e.feedback);
  v("accepted", e.accepted);
  v("how", e.how);
  v("reply", e.reply);
}
template <class V, EventOf<ev::ApprovalWait> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("question", e.question);
  v("kind", e.kind);
  v("run", e.run);
}
template <class V, EventOf<ev::Approval> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("question", e.question);
  v("approved", e.approved);
  v("how", e.how);
  v("who", e.who);
  v("comment", e.comment);
  v("feedback", e.feedback);
}
template <class V, EventOf<ev::ApprovalNotify> E>
void fields(V& v, E& e) {
  v("step", e.step);
  v("ok", e.ok);
  v("error", e.error);
}
template <class V, EventOf<ev::ApiRetry> E>
void fields(V& v, E& e) {
  place_fields(v, e.at);
  v("delay_ms", e.delay_ms);
  v("http_attempt", e.http_attempt);
  v("reason", e.reason);
  v("status", e.status);
  v("turn", e.turn);
}
template <class V, EventOf<ev::WriteRefused> E>
void fields(V& v, E& e) {
  place_fields(v, e.at);
  v("by", e.by);
  v("path", e.path);
  v("tool", e.tool);
  v("turn", e.turn);
}
template <class V, EventOf<ev::ToolsUnavailable> E>
void fields(V& v, E& e) {
  place_fields(v, e.at);
  v("agent", e.agent);
  v("backend", e.backend);
  v("tools", e.tools);
}
template <class V, EventOf<ev::WriteScopesUnconfined> E>
void fields(V& v, E& e) {
  place_fields(v, e.at);
  v("reason", e.reason);
}

std::string dump_line(const ojson& o) {
  return o.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Reads the body of a known kind into `body` (an EventBody or a BackendEvent); false for a kind
// this version does not know, or one the variant cannot hold. Filled in place: moving a
// freshly read event into the variant trips GCC 12's -Wmaybe-uninitialized on its optionals.
template <class Variant>
bool read_body(const std::string& kind, const json& o, Variant* body) {
  FieldReader r{o};
#define FLOW_EVENT(TYPE, WIRE)                                  \
  if constexpr (std::is_constructible_v<Variant, ev::TYPE>) {   \
    if (kind == WIRE) {                                         \
      fields(r, body->template emplace<ev::TYPE>());            \
      return true;                                              \
    }                                                           \
  }
#include "runtime/store/events.def"
#undef FLOW_EVENT
  return false;
}

// A backend's event leaves out its place: the scheduler adds it (step, kind, attempt, index).
template <class T>
ojson backend_object(const T& e) {
  ojson o = ojson::object();
  auto& obj = o.get_ref<ojson::object_t&>();
  obj.emplace_back("event", kEventWire<T>);
  FieldWriter w{obj};
  fields(w, e);
  for (const char* k : {"step", "kind", "attempt", "index"}) o.erase(k);
  return o;
}

}  // namespace

const char* event_name(const EventBody& body) {
  return std::visit(
      [](const auto& b) -> const char* {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, ev::Unknown>) return b.event.c_str();
        else return kEventWire<T>;
      },
      body);
}

const ev::CallPlace* call_place(const EventBody& body) {
  return std::visit(
      [](const auto& b) -> const ev::CallPlace* {
        if constexpr (requires { b.at; }) return &b.at;
        else return nullptr;
      },
      body);
}

std::string event_line(const Event& e, bool ascii) {
  const auto* unknown = std::get_if<ev::Unknown>(&e.body);
  if (unknown && !ascii) return unknown->json;
  ojson o = ojson::object();
  if (unknown) {
    o = ojson::parse(unknown->json, nullptr, false);
  } else {
    auto& obj = o.get_ref<ojson::object_t&>();
    obj.reserve(16);
    obj.emplace_back("seq", e.seq);
    obj.emplace_back("ts", e.ts);
    obj.emplace_back("ms", e.ms);
    obj.emplace_back("event", event_name(e.body));
    FieldWriter w{obj};
    std::visit(
        [&](const auto& b) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(b)>, ev::Unknown>) fields(w, b);
        },
        e.body);
  }
  return o.dump(-1, ' ', ascii, json::error_handler_t::replace);
}

bool parse_event_line(std::string_view line, Event* e) {
  json o = json::parse(line, nullptr, false);
  if (o.is_discarded() || !o.is_object() || !o.contains("event")) return false;
  FieldReader r{o};
  r("seq", e->seq);
  r("ts", e->ts);
  r("ms", e->ms);
  const json& kind = o["event"];
  if (!kind.is_string() || !read_body(kind.get<std::string>(), o, &e->body))
    e->body = ev::Unknown{kind.is_string() ? kind.get<std::string>() : "", std::string(line)};
  return true;
}

std::string event_fields_text(const Event& e) {
  json o = json::parse(event_line(e), nullptr, false);
  if (!o.is_object()) return "{}";
  for (const char* k : {"seq", "ts", "ms", "event"}) o.erase(k);
  return o.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string backend_event_text(const BackendEvent& event) {
  return std::visit([](const auto& b) { return dump_line(backend_object(b)); }, event);
}

bool parse_backend_event(std::string_view text, BackendEvent* event) {
  json o = json::parse(text, nullptr, false);
  if (o.is_discarded() || !o.is_object() || !o.contains("event") || !o["event"].is_string())
    return false;
  return read_body(o["event"].get<std::string>(), o, event);
}

ojson event_to_json(const Event& event) {
  return ojson::parse(event_line(event), nullptr, false);
}

Event event_from_json(const json& object) {
  Event e;
  std::string text = object.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!parse_event_line(text, &e)) e.body = ev::Unknown{"", text};
  return e;
}

EventsRead read_events(const std::string& path) {
  EventsRead r;
  r.ok = scan_event_log(path, [&](const Event& e) { r.events.push_back(event_to_json(e)); },
                        &r.error);
  if (!r.ok) r.events.clear();
  return r;
}

}  // namespace flow::rt

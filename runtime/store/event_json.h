#pragma once
// Events as JSON values, for what needs the JSON form itself rather than the typed events:
// tests that check the lines on disk, and the report's listing of every event's fields. Every
// other reader uses events.h. The conversions are those of events.jsonl (event_json.cc).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/store/events.h"

namespace flow::rt {

// An event as the JSON object of its line; and a JSON object read as an event (an object
// without an "event" reads as ev::Unknown).
nlohmann::ordered_json event_to_json(const Event& event);
Event event_from_json(const nlohmann::json& object);

// events.jsonl as JSON objects, with read_event_log's rules for damaged lines.
struct EventsRead {
  bool ok = false;
  std::vector<nlohmann::json> events;
  std::string error;
};
EventsRead read_events(const std::string& path);

}  // namespace flow::rt

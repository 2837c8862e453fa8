#pragma once
// Reading a field of an event, for events read back from events.jsonl (nlohmann::json) and as
// they are emitted (ordered_json) alike. A field that is missing or of another type reads as
// empty or 0: a damaged log must not make `flow show` or the live view throw.
#include <cstdint>
#include <string>

namespace flow::rt {

// The text of a string field; another value as its JSON text; "" when missing or null.
template <class Json>
std::string event_text(const Json& e, const char* key) {
  auto it = e.find(key);
  if (it == e.end() || it->is_null()) return "";
  return it->is_string() ? it->template get<std::string>() : it->dump();
}

// An integer field; 0 when missing or not a number.
template <class Json>
int64_t event_int(const Json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_number() ? it->template get<int64_t>() : 0;
}

}  // namespace flow::rt

#pragma once
// Small helpers both wire formats share for reading untrusted JSON without exceptions. Only
// included by .cc files (it pulls in nlohmann/json).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace flow::rt::model_json {

using json = nlohmann::json;

inline const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}
inline std::string string_at(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}
inline int64_t int_at(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_number_integer() ? v->get<int64_t>() : 0;
}
// Parses `text`; a discarded value (not an exception) when it is not JSON.
inline json parse(const std::string& text) { return json::parse(text, nullptr, false); }
// A tool's input schema or input as an object; {} when `text` is not a JSON object.
inline json object_or_empty(const std::string& text) {
  json j = parse(text);
  return j.is_object() ? j : json::object();
}
// Compact text; invalid UTF-8 from the model or a file becomes U+FFFD instead of throwing.
inline std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace flow::rt::model_json

#include "compiler/yaml_json.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

namespace flow {
namespace {

// A plain YAML scalar as the JSON value it denotes (YAML 1.2 core schema: null, booleans,
// numbers); anything else, and every quoted scalar, is a string.
nlohmann::json yaml_scalar_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() != "?") return s;  // quoted: always a string
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* end = s.data() + s.size();
  int64_t i = 0;
  if (auto r = std::from_chars(s.data(), end, i); r.ec == std::errc() && r.ptr == end) return i;
  double d = 0;
  if (auto r = std::from_chars(s.data(), end, d);
      !s.empty() && r.ec == std::errc() && r.ptr == end && std::isfinite(d))
    return d;
  return s;
}

nlohmann::json yaml_json(const YAML::Node& node) {
  if (node.IsScalar()) return yaml_scalar_json(node);
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const YAML::Node& item : node) out.push_back(yaml_json(item));
    return out;
  }
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = node.begin(); it != node.end(); ++it)
      out[it->first.IsScalar() ? it->first.Scalar() : YAML::Dump(it->first)] =
          yaml_json(it->second);
    return out;
  }
  return nullptr;
}

}  // namespace

std::string yaml_to_json_text(const YAML::Node& node) {
  return yaml_json(node).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace flow

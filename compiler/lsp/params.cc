#include "compiler/lsp/params.h"

namespace flow::lsp {

const nlohmann::json& field(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) throw RequestError{kInvalidParams,
                       "expected an object holding `" + std::string(name) + "`"};
  auto it = object.find(name);
  if (it == object.end())
    throw RequestError{kInvalidParams, "missing field `" + std::string(name) + "`"};
  return *it;
}

std::string string_field(const nlohmann::json& object, const char* name) {
  const nlohmann::json& v = field(object, name);
  if (!v.is_string())
    throw RequestError{kInvalidParams, "field `" + std::string(name) + "` must be a string"};
  return v.get<std::string>();
}

int64_t integer_field(const nlohmann::json& object, const char* name) {
  const nlohmann::json& v = field(object, name);
  if (!v.is_number_integer())
    throw RequestError{kInvalidParams, "field `" + std::string(name) + "` must be an integer"};
  return v.get<int64_t>();
}

Position position_field(const nlohmann::json& object, const char* name) {
  const nlohmann::json& p = field(object, name);
  int64_t line = integer_field(p, "line"), character = integer_field(p, "character");
  if (line < 0 || character < 0 || line > UINT32_MAX || character > UINT32_MAX)
    throw RequestError{kInvalidParams,
                       "a position's line and character must be unsigned integers"};
  return Position{static_cast<uint32_t>(line), static_cast<uint32_t>(character)};
}

std::string document_uri(const nlohmann::json& params) {
  return string_field(field(params, "textDocument"), "uri");
}

}  // namespace flow::lsp

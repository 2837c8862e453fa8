#include "lang/field_errors.h"

#include <algorithm>

namespace flow {
namespace {

bool word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Past the string or comment starting at `i` (which must start one), or `i` itself.
size_t skip_literal(std::string_view t, size_t i) {
  if (t.compare(i, 3, "\"\"\"") == 0) {
    size_t close = t.find("\"\"\"", i + 3);
    return close == std::string_view::npos ? t.size() : close + 3;
  }
  if (t[i] == '"') {
    for (size_t k = i + 1; k < t.size(); ++k) {
      if (t[k] == '\\') ++k;
      else if (t[k] == '"' || t[k] == '\n') return k + 1;
    }
    return t.size();
  }
  if (t[i] == '#') return std::min(t.find('\n', i), t.size());
  return i;
}

}  // namespace

const std::vector<std::string_view>& agent_field_names() {
  static const std::vector<std::string_view> names = {
      "description", "model", "tools", "disallowed-tools", "permission-mode",
      "max-turns",   "writes", "role", "prompt"};
  return names;
}

std::vector<FieldError> unknown_fields_after(std::string_view t, uint32_t statement_begin,
                                             uint32_t error_at) {
  std::vector<FieldError> out;
  if (t.compare(statement_begin, 5, "agent") != 0) return out;
  size_t i = t.find('<', statement_begin);
  if (i == std::string_view::npos || i > error_at) return out;
  bool field_start = true;
  for (++i; i < t.size();) {
    char c = t[i];
    if (c == '"' || c == '#') {
      i = skip_literal(t, i);
      field_start = false;
      continue;
    }
    if (c == '>') break;  // the end of the block
    if (c == ';' || c == '\n') {
      field_start = true;
      ++i;
      continue;
    }
    if (field_start && word_byte(c)) {
      size_t e = i;
      while (e < t.size() && word_byte(t[e])) ++e;
      std::string_view word = t.substr(i, e - i);
      const auto& names = agent_field_names();
      if (i > error_at && std::find(names.begin(), names.end(), word) == names.end())
        out.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(e), word});
      field_start = false;
      i = e;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\r') field_start = false;
    ++i;
  }
  return out;
}

std::string_view list_field_before(std::string_view t, uint32_t at) {
  size_t begin = at;
  while (begin > 0 && t[begin - 1] != ';' && t[begin - 1] != '<' && t[begin - 1] != '\n') --begin;
  std::string_view field = t.substr(begin, at - begin);
  size_t first = field.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  field.remove_prefix(first);
  for (std::string_view list : {"tools", "disallowed-tools", "writes"})
    if (field.size() > list.size() && field.compare(0, list.size(), list) == 0 &&
        (field[list.size()] == ' ' || field[list.size()] == '\t'))
      return list;
  return "";
}

}  // namespace flow

#include "runtime/engine/inputs.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "lang/text.h"
#include "runtime/terminal/printable.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

std::string declared_names(const ir::Flow& flow) {
  if (flow.inputs.empty()) return "this flow takes no inputs";
  std::string s = "this flow takes: ";
  for (size_t i = 0; i < flow.inputs.size(); ++i) s += (i ? ", " : "") + flow.inputs[i].name;
  return s;
}

// A value as it is quoted in an error: printable, and cut short when long.
std::string quoted(const std::string& text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return "\"" + printable(text) + "\"";
  return "\"" + printable(text.substr(0, kMax)) + "...\"";
}

// -?DIGITS[.DIGITS][(e|E)[+-]DIGITS]: no hex, no inf/nan, no leading + or bare dot.
bool is_decimal(const std::string& s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

bool convert_number(const ir::Input& in, const std::string& text, json* out, std::string* error) {
  double d = is_decimal(text) ? std::strtod(text.c_str(), nullptr) : NAN;
  if (!std::isfinite(d)) {
    *error = "input `" + in.name + "` is a number: " + quoted(text) +
             " is not one; write a finite decimal number such as 42, -3.5 or 1e6";
    return false;
  }
  // Whole numbers stay integers while a double holds them exactly (up to 2^53).
  if (std::fabs(d) <= 9007199254740992.0 && d == std::trunc(d)) *out = static_cast<int64_t>(d);
  else *out = d;
  return true;
}

bool convert_list(const ir::Input& in, const std::string& text, json* out, std::string* error) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    // It looks like JSON, so it must be JSON: `[a` is a mistake, not a list of one item.
    json j = json::parse(text, nullptr, false);
    bool ok = !j.is_discarded() && j.is_array();
    for (size_t i = 0; ok && i < j.size(); ++i) ok = j[i].is_string();
    if (!ok) {
      *error = "input `" + in.name + "` is a list: " + quoted(text) +
               " starts with `[` but is not a JSON array of strings; write it as "
               "'[\"a\",\"b\"]' or as comma-separated items: a,b";
      return false;
    }
    *out = j;
    return true;
  }
  json list = json::array();
  size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? comma : comma - pos);
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) list.push_back(item.substr(b, e - b + 1));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  *out = list;
  return true;
}

bool convert(const ir::Input& in, const std::string& text, json* out, std::string* error) {
  if (in.type == "bool") {
    if (text != "true" && text != "false") {
      *error = "input `" + in.name + "` is a bool: pass true or false, not " + quoted(text);
      return false;
    }
    *out = text == "true";
    return true;
  }
  if (in.type == "number") return convert_number(in, text, out, error);
  if (in.type == "list") return convert_list(in, text, out, error);
  *out = text;
  return true;
}

// Inputs go into prompts, run.json and events as JSON strings, which must be UTF-8: refuse
// anything else here, before a run directory exists, rather than garble or lose it later.
bool check_utf8(const std::string& name, const std::string& file, const std::string& value,
                std::string* error) {
  for (size_t i = 0; i < value.size();) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    size_t n = c >= 0x01 && c < 0x80 ? 1 : text::utf8_length(value, i);
    if (n > 0) {
      i += n;
      continue;
    }
    std::string what = "input `" + name + "`" + (file.empty() ? "" : " (from " + file + ")");
    if (c == 0) {
      *error = fmt::format("{} is not text: it has a NUL byte at byte offset {}", what, i);
    } else {
      *error = fmt::format(
          "{} is not UTF-8 text: byte 0x{:02X} at byte offset {} is not valid UTF-8; convert it "
          "to UTF-8 first, e.g. iconv -f LATIN1 -t UTF-8 {} > {}.utf8.txt",
          what, c, i, file.empty() ? "FILE" : file, name);
    }
    return false;
  }
  return true;
}

}  // namespace

InputsResult resolve_inputs(const ir::Flow& flow, const std::vector<std::string>& args,
                            bool placeholders, std::vector<std::string>* missing) {
  InputsResult r;
  std::vector<std::pair<std::string, std::string>> given;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      r.error = "--input expects NAME=VALUE or NAME=@FILE, got \"" + arg + "\"";
      return r;
    }
    std::string name = arg.substr(0, eq), value = arg.substr(eq + 1), path;
    if (!value.empty() && value[0] == '@') {
      path = value.substr(1);
      if (!read_file(path, &value)) {
        r.error = "input `" + name + "`: cannot read " + path;
        return r;
      }
    }
    bool known = false;
    for (const ir::Input& in : flow.inputs) known = known || in.name == name;
    if (!known) {
      r.error = "unknown input `" + name + "`; " + declared_names(flow);
      return r;
    }
    if (!check_utf8(name, path, value, &r.error)) return r;
    given.emplace_back(name, value);
  }
  for (const ir::Input& in : flow.inputs) {
    const std::string* text = nullptr;
    for (const auto& [n, v] : given)
      if (n == in.name) text = &v;  // the last one given wins
    json value;
    if (text) {
      if (!convert(in, *text, &value, &r.error)) return r;
    } else if (in.default_value) {
      value = json::parse(*in.default_value);  // written by flowc or checked by ir_validate
    } else if (placeholders) {
      value = in.type == "bool" ? json(false) : in.type == "number" ? json(0)
              : in.type == "list" ? json::array() : json("<" + in.name + ">");
      if (missing) missing->push_back(in.name);
    } else {
      r.error = "missing required input `" + in.name + "` (" + in.type + (in.description.empty() ? "" : ": " + in.description) +
                "); pass it with --input " + in.name + "=VALUE or --input " + in.name + "=@FILE";
      return r;
    }
    r.values.emplace_back(in.name, std::move(value));
  }
  r.ok = true;
  return r;
}

const nlohmann::json* find_input(const InputValues& values, const std::string& name) {
  for (const auto& [n, v] : values)
    if (n == name) return &v;
  return nullptr;
}

std::string input_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string s;
    for (const json& e : value) s += (s.empty() ? "" : ", ") + input_text(e);
    return s;
  }
  return value.dump();
}

}  // namespace flow::rt

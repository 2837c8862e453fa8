#include "runtime/inputs.h"

#include <cstdlib>

#include "runtime/run_store.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

std::string declared_names(const ir::Flow& flow) {
  if (flow.inputs.empty()) return "this flow takes no inputs";
  std::string s = "this flow takes: ";
  for (size_t i = 0; i < flow.inputs.size(); ++i) s += (i ? ", " : "") + flow.inputs[i].name;
  return s;
}

bool convert(const ir::Input& in, const std::string& text, json* out, std::string* error) {
  if (in.type == "text") {
    *out = text;
  } else if (in.type == "bool") {
    if (text != "true" && text != "false") {
      *error = "input `" + in.name + "` is a bool: pass true or false, not \"" + text + "\"";
      return false;
    }
    *out = text == "true";
  } else if (in.type == "number") {
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') {
      *error = "input `" + in.name + "` is a number: \"" + text + "\" is not one";
      return false;
    }
    if (d == static_cast<double>(static_cast<int64_t>(d))) *out = static_cast<int64_t>(d);
    else *out = d;
  } else {  // list: a JSON array of strings, or comma-separated items
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded() && j.is_array()) {
      for (const json& e : j)
        if (!e.is_string()) {
          *error = "input `" + in.name + "` is a list of strings: " + e.dump() + " is not a string";
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
    std::string name = arg.substr(0, eq), value = arg.substr(eq + 1);
    if (!value.empty() && value[0] == '@') {
      std::string path = value.substr(1);
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
      value = *in.default_value;
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

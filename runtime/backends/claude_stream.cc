#include "runtime/backends/claude_stream.h"

#include <nlohmann/json.hpp>

namespace flow::rt {
namespace {

using json = nlohmann::json;

int64_t usage_count(const json& usage, const char* key) {
  auto it = usage.find(key);
  return it != usage.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string text_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void read_result(const json& e, ClaudeResult* r) {
  r->found = true;
  r->is_error = e.value("is_error", false);
  r->subtype = text_field(e, "subtype");
  r->text = text_field(e, "result");
  AgentUsage& u = r->usage;
  u.known = true;
  if (auto c = e.find("total_cost_usd"); c != e.end() && c->is_number()) u.cost_usd = c->get<double>();
  if (auto t = e.find("num_turns"); t != e.end() && t->is_number_integer()) u.num_turns = t->get<int>();
  u.session_id = text_field(e, "session_id");
  if (auto it = e.find("usage"); it != e.end() && it->is_object()) {
    u.input_tokens = usage_count(*it, "input_tokens");
    u.output_tokens = usage_count(*it, "output_tokens");
    u.cache_read_tokens = usage_count(*it, "cache_read_input_tokens");
    u.cache_creation_tokens = usage_count(*it, "cache_creation_input_tokens");
  }
  r->denials.clear();
  if (auto it = e.find("permission_denials"); it != e.end() && it->is_array())
    for (const json& d : *it) {
      if (!d.is_object()) continue;
      ClaudeDenial denial{text_field(d, "tool_name"), ""};
      if (auto in = d.find("tool_input"); in != d.end() && in->is_object()) {
        for (const char* key : {"file_path", "notebook_path", "path", "command"})
          if (denial.target.empty()) denial.target = text_field(*in, key);
      }
      r->denials.push_back(std::move(denial));
    }
  if (auto it = e.find("errors"); it != e.end() && it->is_array())
    for (const json& m : *it)
      if (m.is_string()) r->last_error = m.get<std::string>();
}

// A `user` event carries the results of the tools the model called; those that report a
// permission error are kept.
void read_tool_results(const json& e, ClaudeResult* r) {
  auto msg = e.find("message");
  if (msg == e.end() || !msg->is_object()) return;
  auto content = msg->find("content");
  if (content == msg->end() || !content->is_array()) return;
  for (const json& block : *content) {
    if (!block.is_object() || text_field(block, "type") != "tool_result") continue;
    std::string text;
    auto c = block.find("content");
    if (c != block.end() && c->is_string()) text = c->get<std::string>();
    if (c != block.end() && c->is_array())
      for (const json& part : *c)
        if (part.is_object()) text += text_field(part, "text") + "\n";
    if (text.find("ermission denied") != std::string::npos) r->tool_errors += text + "\n";
  }
}

}  // namespace

ClaudeResult parse_claude_stream(const std::string& out) {
  ClaudeResult r;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    std::string_view line(out.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line.front() != '{') continue;
    json e = json::parse(line, nullptr, false);
    if (!e.is_object()) continue;
    std::string type = text_field(e, "type");
    if (type == "result") {
      read_result(e, &r);
    } else if (type == "user") {
      read_tool_results(e, &r);
    } else if (type == "system" && text_field(e, "subtype") == "api_retry") {
      r.last_error = "API request failed (" + text_field(e, "error") + "), retrying";
    }
  }
  return r;
}

}  // namespace flow::rt

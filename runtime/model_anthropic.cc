// The Anthropic Messages API wire format: request body and reply parsing.
#include "runtime/json_string.h"
#include "runtime/model_json.h"
#include "runtime/model_wire.h"

namespace flow::rt {

using model_json::json;

namespace {

// The body is written by hand, with nlohmann/json's key order (sorted) and spelling, so it is
// byte for byte what dumping the same JSON gives (recordings are named by its hash) without
// copying the prompt into a JSON value and escaping it byte by byte (json_string.h).
void append_content(std::string* out, const ModelMessage& m) {
  out->push_back('[');
  bool first = true;
  auto next = [&] {
    if (!first) out->push_back(',');
    first = false;
  };
  // Tool results must open a user turn; the API rejects them after text.
  for (const ToolResultBlock& r : m.tool_results) {
    next();
    out->push_back('{');
    append_json_member(out, "content", r.content);
    if (r.is_error) out->append(",\"is_error\":true");
    out->push_back(',');
    append_json_member(out, "tool_use_id", r.tool_call_id);
    out->append(",\"type\":\"tool_result\"}");
  }
  if (!m.text.empty() || (m.tool_calls.empty() && m.tool_results.empty())) {
    next();
    out->push_back('{');
    append_json_member(out, "text", m.text);
    out->append(",\"type\":\"text\"}");
  }
  for (const ToolCall& c : m.tool_calls) {
    next();
    out->push_back('{');
    append_json_member(out, "id", c.id);
    out->append(",\"input\":");
    out->append(model_json::dump(model_json::object_or_empty(c.input_json)));
    out->push_back(',');
    append_json_member(out, "name", c.name);
    out->append(",\"type\":\"tool_use\"}");
  }
  out->push_back(']');
}

}  // namespace

std::string anthropic_request_body(const ModelRequest& request) {
  std::string out = "{\"max_tokens\":" + std::to_string(request.max_tokens) + ",\"messages\":[";
  size_t bytes = request.system.size() + 256;
  for (const ModelMessage& m : request.messages) bytes += m.text.size();
  out.reserve(bytes + bytes / 8);
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const ModelMessage& m = request.messages[i];
    out.append(i ? ",{" : "{");
    append_json_key(&out, "content");
    append_content(&out, m);
    out.append(m.role == ModelMessage::Role::assistant ? ",\"role\":\"assistant\"}"
                                                      : ",\"role\":\"user\"}");
  }
  out.append("],");
  append_json_member(&out, "model", request.model);
  if (!request.system.empty()) {
    out.push_back(',');
    append_json_member(&out, "system", request.system);
  }
  if (!request.tools.empty()) {
    out.append(",\"tools\":[");
    for (size_t i = 0; i < request.tools.size(); ++i) {
      const ToolSpec& t = request.tools[i];
      out.append(i ? ",{" : "{");
      append_json_member(&out, "description", t.description);
      out.append(",\"input_schema\":");
      out.append(model_json::schema_text(t.input_schema));
      out.push_back(',');
      append_json_member(&out, "name", t.name);
      out.push_back('}');
    }
    out.append("]");
  }
  out.push_back('}');
  return out;
}

bool parse_anthropic_reply(const std::string& body, ModelReply* reply, std::string* error) {
  json doc = model_json::parse(body);
  const json* content = model_json::member(doc, "content");
  if (!content || !content->is_array()) {
    *error = doc.is_discarded() ? "the reply is not JSON" : "the reply has no content array";
    return false;
  }
  for (const json& block : *content) {
    std::string type = model_json::string_at(block, "type");
    if (type == "text") {
      if (!reply->text.empty()) reply->text += "\n";
      reply->text += model_json::string_at(block, "text");
    } else if (type == "tool_use") {
      const json* input = model_json::member(block, "input");
      reply->tool_calls.push_back({model_json::string_at(block, "id"),
                                   model_json::string_at(block, "name"),
                                   input ? model_json::dump(*input) : std::string("{}")});
    }  // thinking and other block types carry nothing flow uses
  }
  reply->stop_reason = model_json::string_at(doc, "stop_reason");
  if (const json* u = model_json::member(doc, "usage")) {
    reply->usage.input_tokens = model_json::int_at(*u, "input_tokens");
    reply->usage.output_tokens = model_json::int_at(*u, "output_tokens");
    reply->usage.cache_read_tokens = model_json::int_at(*u, "cache_read_input_tokens");
    reply->usage.cache_creation_tokens = model_json::int_at(*u, "cache_creation_input_tokens");
  }
  return true;
}

}  // namespace flow::rt

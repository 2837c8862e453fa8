// The Anthropic Messages API wire format: request body and reply parsing.
#include "runtime/backends/model_json.h"
#include "runtime/backends/model_wire.h"

namespace flow::rt {

using model_json::json;

namespace {

json content_json(const ModelMessage& m) {
  json out = json::array();
  // Tool results must open a user turn; the API rejects them after text.
  for (const ToolResultBlock& r : m.tool_results) {
    json block{{"type", "tool_result"}, {"tool_use_id", r.tool_call_id}, {"content", r.content}};
    if (r.is_error) block["is_error"] = true;
    out.push_back(std::move(block));
  }
  if (!m.text.empty() || (m.tool_calls.empty() && m.tool_results.empty()))
    out.push_back({{"type", "text"}, {"text", m.text}});
  for (const ToolCall& c : m.tool_calls)
    out.push_back({{"type", "tool_use"}, {"id", c.id}, {"name", c.name},
                   {"input", model_json::object_or_empty(c.input_json)}});
  return out;
}

}  // namespace

std::string anthropic_request_body(const ModelRequest& request) {
  json body{{"model", request.model}, {"max_tokens", request.max_tokens}};
  json& messages = body["messages"] = json::array();
  for (const ModelMessage& m : request.messages)
    messages.push_back({{"role", m.role == ModelMessage::Role::assistant ? "assistant" : "user"},
                        {"content", content_json(m)}});
  if (!request.system.empty()) body["system"] = request.system;
  if (!request.tools.empty()) {
    json& tools = body["tools"] = json::array();
    for (const ToolSpec& t : request.tools)
      tools.push_back({{"name", t.name}, {"description", t.description},
                       {"input_schema", model_json::object_or_empty(t.input_schema)}});
  }
  return model_json::dump(body);
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

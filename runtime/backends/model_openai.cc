// The OpenAI Chat Completions wire format: request body and reply parsing.
#include "runtime/backends/model_json.h"
#include "runtime/backends/model_wire.h"

namespace flow::rt {

using model_json::json;

namespace {

// Chat Completions has no error flag on tool results; the text says it instead.
std::string tool_result_text(const ToolResultBlock& r) {
  return r.is_error ? "Error: " + r.content : r.content;
}

json message(const char* role, const std::string& content) {
  return {{"role", role}, {"content", content}};
}

json assistant_json(const ModelMessage& m) {
  json out{{"role", "assistant"}};
  out["content"] = m.text.empty() && !m.tool_calls.empty() ? json(nullptr) : json(m.text);
  if (!m.tool_calls.empty()) {
    json& calls = out["tool_calls"] = json::array();
    for (const ToolCall& c : m.tool_calls)  // arguments verbatim, even if malformed
      calls.push_back({{"id", c.id}, {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.input_json}}}});
  }
  return out;
}

void add_openai_messages(const ModelMessage& m, json* out) {
  if (m.role == ModelMessage::Role::assistant) {
    out->push_back(assistant_json(m));
    return;
  }
  for (const ToolResultBlock& r : m.tool_results)
    out->push_back({{"role", "tool"}, {"tool_call_id", r.tool_call_id},
                    {"content", tool_result_text(r)}});
  if (!m.text.empty() || m.tool_results.empty()) out->push_back(message("user", m.text));
}

// `content` is a string, null, or (some servers) an array of {"type":"text","text":...} parts.
std::string content_text(const json* content) {
  if (!content) return "";
  if (content->is_string()) return content->get<std::string>();
  std::string text;
  if (content->is_array())
    for (const json& part : *content) text += model_json::string_at(part, "text");
  return text;
}

void parse_tool_calls(const json& message, ModelReply* reply) {
  const json* calls = model_json::member(message, "tool_calls");
  if (!calls || !calls->is_array()) return;
  for (const json& c : *calls) {
    const json* fn = model_json::member(c, "function");
    if (!fn) continue;
    ToolCall call;
    call.id = model_json::string_at(c, "id");
    if (call.id.empty()) call.id = "call_" + std::to_string(reply->tool_calls.size() + 1);
    call.name = model_json::string_at(*fn, "name");
    const json* args = model_json::member(*fn, "arguments");
    if (args && args->is_string()) call.input_json = args->get<std::string>();
    else if (args && args->is_object()) call.input_json = model_json::dump(*args);
    if (call.input_json.empty()) call.input_json = "{}";  // a call without arguments
    reply->tool_calls.push_back(std::move(call));
  }
}

}  // namespace

std::string openai_request_body(const ModelRequest& request) {
  // max_completion_tokens: api.openai.com rejects max_tokens for its newer models.
  json body{{"model", request.model}, {"max_completion_tokens", request.max_tokens}};
  json& messages = body["messages"] = json::array();
  if (!request.system.empty()) messages.push_back(message("system", request.system));
  for (const ModelMessage& m : request.messages) add_openai_messages(m, &messages);
  if (!request.tools.empty()) {
    json& tools = body["tools"] = json::array();
    for (const ToolSpec& t : request.tools)
      tools.push_back({{"type", "function"},
                       {"function", {{"name", t.name}, {"description", t.description},
                                     {"parameters", model_json::object_or_empty(t.input_schema)}}}});
  }
  return model_json::dump(body);
}

bool parse_openai_reply(const std::string& body, ModelReply* reply, std::string* error) {
  json doc = model_json::parse(body);
  const json* choices = model_json::member(doc, "choices");
  if (!choices || !choices->is_array() || choices->empty() ||
      !model_json::member((*choices)[0], "message")) {
    *error = doc.is_discarded() ? "the reply is not JSON" : "the reply has no choices[0].message";
    return false;
  }
  const json& choice = (*choices)[0];
  const json& message = *model_json::member(choice, "message");
  reply->text = content_text(model_json::member(message, "content"));
  parse_tool_calls(message, reply);
  reply->stop_reason = model_json::string_at(choice, "finish_reason");
  if (const json* u = model_json::member(doc, "usage")) {
    // prompt_tokens includes the cached ones; ModelUsage counts them apart, as Anthropic does.
    int64_t cached = 0;
    if (const json* d = model_json::member(*u, "prompt_tokens_details"))
      cached = model_json::int_at(*d, "cached_tokens");
    reply->usage.input_tokens = model_json::int_at(*u, "prompt_tokens") - cached;
    reply->usage.output_tokens = model_json::int_at(*u, "completion_tokens");
    reply->usage.cache_read_tokens = cached;
  }
  return true;
}

}  // namespace flow::rt

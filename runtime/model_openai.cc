// The OpenAI Chat Completions wire format: request body and reply parsing.
#include "runtime/json_string.h"
#include "runtime/model_json.h"
#include "runtime/model_wire.h"

namespace flow::rt {

using model_json::json;

namespace {

// Chat Completions has no error flag on tool results; the text says it instead.
std::string tool_result_text(const ToolResultBlock& r) {
  return r.is_error ? "Error: " + r.content : r.content;
}

// The body is written by hand, with nlohmann/json's key order (sorted) and spelling, so it is
// byte for byte what dumping the same JSON gives (recordings are named by its hash) without
// copying the prompt into a JSON value and escaping it byte by byte (json_string.h).
// {"content":...,"role":...} with a string content.
void add_message(std::string* out, const char* role, const std::string& content) {
  out->append("{");
  append_json_member(out, "content", content);
  out->append(",\"role\":\"");
  out->append(role);
  out->append("\"}");
}

void add_assistant(std::string* out, const ModelMessage& m) {
  out->append("{");
  append_json_key(out, "content");
  if (m.text.empty() && !m.tool_calls.empty()) out->append("null");
  else append_json_string(out, m.text);
  out->append(",\"role\":\"assistant\"");
  if (!m.tool_calls.empty()) {
    out->append(",\"tool_calls\":[");
    for (size_t i = 0; i < m.tool_calls.size(); ++i) {  // arguments verbatim, even if malformed
      const ToolCall& c = m.tool_calls[i];
      out->append(i ? ",{" : "{");
      out->append("\"function\":{");
      append_json_member(out, "arguments", c.input_json);
      out->append(",");
      append_json_member(out, "name", c.name);
      out->append("},");
      append_json_member(out, "id", c.id);
      out->append(",\"type\":\"function\"}");
    }
    out->append("]");
  }
  out->append("}");
}

void append_openai_messages(const ModelMessage& m, std::string* out, bool* first) {
  auto next = [&] {
    if (!*first) out->push_back(',');
    *first = false;
  };
  if (m.role == ModelMessage::Role::assistant) {
    next();
    add_assistant(out, m);
    return;
  }
  for (const ToolResultBlock& r : m.tool_results) {
    next();
    out->append("{");
    append_json_member(out, "content", tool_result_text(r));
    out->append(",\"role\":\"tool\",");
    append_json_member(out, "tool_call_id", r.tool_call_id);
    out->append("}");
  }
  if (!m.text.empty() || m.tool_results.empty()) {
    next();
    add_message(out, "user", m.text);
  }
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
  std::string out = "{\"max_completion_tokens\":" + std::to_string(request.max_tokens) +
                    ",\"messages\":[";
  size_t bytes = request.system.size() + 256;
  for (const ModelMessage& m : request.messages) bytes += m.text.size();
  out.reserve(bytes + bytes / 8);
  bool first = true;
  if (!request.system.empty()) {
    first = false;
    add_message(&out, "system", request.system);
  }
  for (const ModelMessage& m : request.messages) append_openai_messages(m, &out, &first);
  out.append("],");
  append_json_member(&out, "model", request.model);
  if (!request.tools.empty()) {
    out.append(",\"tools\":[");
    for (size_t i = 0; i < request.tools.size(); ++i) {
      const ToolSpec& t = request.tools[i];
      out.append(i ? ",{" : "{");
      out.append("\"function\":{");
      append_json_member(&out, "description", t.description);
      out.append(",");
      append_json_member(&out, "name", t.name);
      out.append(",\"parameters\":");
      out.append(model_json::schema_text(t.input_schema));
      out.append("},\"type\":\"function\"}");
    }
    out.append("]");
  }
  out.append("}");
  return out;
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

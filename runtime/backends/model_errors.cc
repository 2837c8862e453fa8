// What is wrong with a provider's answer or a model's tool input, in words a user can read.
#include "lang/text.h"
#include "runtime/backends/model_json.h"
#include "runtime/backends/model_wire.h"
#include "runtime/terminal/printable.h"

namespace flow::rt {

using model_json::json;

namespace {

// Cuts on a UTF-8 character boundary so the result stays valid text.
std::string cut(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t n = text::utf8_boundary(text, max_bytes);
  return text.substr(0, n) + "...";
}

}  // namespace

std::string provider_error_message(const std::string& body, size_t max_bytes) {
  json doc = model_json::parse(body);
  std::string message;
  if (const json* err = model_json::member(doc, "error")) {
    message = err->is_string() ? err->get<std::string>() : model_json::string_at(*err, "message");
  }
  if (message.empty()) message = model_json::string_at(doc, "message");
  if (message.empty()) message = body;
  if (message.empty()) return "(no message)";
  // One line: a provider's message may hold newlines or escape sequences.
  std::string text = printable(message);
  for (char& c : text)
    if (c == '\n' || c == '\t') c = ' ';
  return cut(text, max_bytes);
}

bool has_provider_error(const std::string& body) {
  json doc = model_json::parse(body);
  const json* err = model_json::member(doc, "error");
  return err && (err->is_string() || !model_json::string_at(*err, "message").empty());
}

std::string tool_input_error(const std::string& input_json) {
  json doc = model_json::parse(input_json);
  std::string shown = cut(printable(input_json), 200);
  if (doc.is_discarded()) return "the tool input is not valid JSON: " + shown;
  if (!doc.is_object()) return "the tool input is not a JSON object: " + shown;
  return "";
}

}  // namespace flow::rt

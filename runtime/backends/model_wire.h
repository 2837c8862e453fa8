#pragma once
// The two providers' wire formats as pure functions: a ModelRequest as the JSON body each API
// expects, and each API's reply (or error) body as a ModelReply. No network here, so tests
// feed them bodies directly.
#include <string>

#include "runtime/backends/model_api.h"

namespace flow::rt {

// Anthropic Messages API (POST {base_url}/v1/messages).
std::string anthropic_request_body(const ModelRequest& request);
// Fills text, tool_calls, stop_reason and usage from a 200 body; false with *error set when the
// body is not the JSON of a message.
bool parse_anthropic_reply(const std::string& body, ModelReply* reply, std::string* error);

// OpenAI Chat Completions API (POST {base_url}/chat/completions).
std::string openai_request_body(const ModelRequest& request);
bool parse_openai_reply(const std::string& body, ModelReply* reply, std::string* error);

// The provider's own message in an error body (both APIs use {"error": {"message": ...}}),
// made printable and cut to `max_bytes`; when the body is not such JSON, its printable head.
std::string provider_error_message(const std::string& body, size_t max_bytes = 300);
// Whether `body` is such an error JSON, i.e. the API itself answered.
bool has_provider_error(const std::string& body);

}  // namespace flow::rt

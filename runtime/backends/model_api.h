#pragma once
// One request to a model over its HTTP API, independent of the provider: what flow sends
// (system prompt, messages, tools) and what comes back (text, tool calls, usage).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/backends/agent_tools.h"
#include "runtime/engine/cancel.h"

namespace flow::rt {

struct ToolCall {
  std::string id;          // the provider's id, echoed back with the result
  std::string name;
  std::string input_json;  // the input object as JSON text
};

struct ToolResultBlock {
  std::string tool_call_id;
  std::string content;
  bool is_error = false;
};

struct ModelMessage {
  enum class Role { user, assistant };
  Role role = Role::user;
  std::string text;                           // may be empty when there are tool calls/results
  std::vector<ToolCall> tool_calls;           // assistant only
  std::vector<ToolResultBlock> tool_results;  // user only: answers to the previous tool calls
};

struct ModelRequest {
  std::string model;
  std::string system;
  std::vector<ModelMessage> messages;
  std::vector<ToolSpec> tools;
  int max_tokens = 8192;
};

struct ModelUsage {
  int64_t input_tokens = 0, output_tokens = 0, cache_read_tokens = 0, cache_creation_tokens = 0;
};

// One retried HTTP attempt, for the caller's events.
struct ModelRetry {
  int attempt = 0;     // the attempt that failed, 1-based
  int status = 0;      // HTTP status; 0 for a connection error or timeout
  int delay_ms = 0;    // how long the client waited before the next attempt
  std::string reason;  // short, printable, never holds the key
};

struct ModelReply {
  bool ok = false;
  std::string text;
  std::vector<ToolCall> tool_calls;  // non-empty: the model asks for tools
  std::string stop_reason;           // the provider's word: end_turn, tool_use, stop, tool_calls, max_tokens...
  ModelUsage usage;
  std::vector<ModelRetry> retries;
  std::string error;                 // when !ok: the status and the provider's message
};

struct ModelEndpoint {
  std::string kind;             // "anthropic" | "openai"
  std::string base_url;         // e.g. "https://api.anthropic.com", "http://127.0.0.1:11434/v1"
  std::string api_key;          // read from the environment by the caller; never written anywhere
  int timeout_ms = 600000;      // per HTTP attempt
  int connect_timeout_ms = 10000;
  int retries = 4;              // on 429, 529, 5xx and connection errors/timeouts
  int retry_delay_ms = 1000;    // first backoff, doubled each time, jittered; retry-after wins
  std::string record_dir;       // non-empty: save each request/response pair here (no secrets)
  std::string replay_dir;       // non-empty: answer from recordings, no network
};

class ModelClient {
 public:
  virtual ~ModelClient() = default;
  // Thread-safe; called from worker threads at once. Returns promptly once `cancel` is requested.
  virtual ModelReply send(const ModelRequest& request, Cancel* cancel) = 0;
};

// nullptr with *error set for an endpoint that cannot work (unknown kind, bad URL, unreadable
// replay directory).
std::unique_ptr<ModelClient> make_model_client(const ModelEndpoint& endpoint, std::string* error);

}  // namespace flow::rt

// Additions to the shared contract (declarations only; the structs above are unchanged).
namespace flow::rt {

// Tool call inputs the model got wrong. OpenAI sends a call's `arguments` as a JSON string the
// model wrote itself, which may not parse. Such a reply does not fail: the call keeps its
// `arguments` text verbatim as `input_json` (an empty string becomes "{}"), so the tool finds
// it malformed and answers with an error result the model can read and correct; the same text
// goes back verbatim when the assistant message is sent again. Anthropic always sends `input`
// as a JSON object. `tool_input_error` says what is wrong with an input, "" when it is a JSON
// object.
std::string tool_input_error(const std::string& input_json);

// ModelUsage counts cached input apart from the rest for both APIs: for OpenAI, input_tokens is
// prompt_tokens minus prompt_tokens_details.cached_tokens, which are cache_read_tokens (OpenAI
// reports no cache writes). So input + cache read + cache creation is the whole prompt.
//
// Errors in ModelReply::error (docs/config.md, "Model API requests") are one printable line:
// "interrupted" after a cancel; "KIND API answered HTTP STATUS: MESSAGE" for a final status;
// "KIND API: REASON (gave up after N attempts)" once retries are used up; "no recording
// matches this request; ..." in a replay.

}  // namespace flow::rt

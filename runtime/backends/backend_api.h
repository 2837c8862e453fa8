#pragma once
// The backends that talk to a model API themselves, with flow's own tool loop and built-in
// tools (docs/config.md, "Model API backends"): `anthropic` (the Messages API) and `openai`
// (Chat Completions: OpenAI, Ollama, vLLM, llama.cpp server, OpenRouter, by base URL).
#include <memory>
#include <string>

#include "runtime/backends/backend.h"
#include "runtime/backends/prices.h"

namespace flow::rt {

class ModelClient;
struct ToolEnv;
struct ToolOutcome;

struct ApiBackendSpec {
  std::string name;
  std::string kind;         // "anthropic" | "openai"
  std::string base_url;     // "" = api_base_url's choice
  std::string api_key_env;  // the variable holding the key; "" = no key (openai only)
  std::string model;        // for agents that name no model ("" = such agents fail)
  int timeout_ms = 600000;  // per HTTP request
  int retries = 4;          // HTTP retries on 429, 529, 5xx, connection errors and timeouts
  int retry_delay_ms = 1000;
  int max_tokens = 8192;    // per model request
  int max_turns = 30;       // model requests per agent call when the agent has no maxTurns
  PriceTable prices;        // `prices:` of flow.yaml, over the built-in table
};

// A spec with the provider's defaults for `kind` (the key variable).
ApiBackendSpec default_api_spec(const std::string& name, const std::string& kind);

// The URL requests go to: `base_url` when the config gives one, else ANTHROPIC_BASE_URL or
// OPENAI_BASE_URL from the environment (as the providers' own tools read them), else
// https://api.anthropic.com or https://api.openai.com/v1.
std::string api_base_url(const ApiBackendSpec& spec);

// Where request/response pairs are saved (`flow run --record DIR`) or answered from
// (`--replay DIR`); both "" for a normal run.
struct ApiRunOptions {
  std::string record_dir, replay_dir;
};

// The client is made in check_ready, which reads the key from the environment.
std::unique_ptr<Backend> make_api_backend(const ApiBackendSpec& spec, const ApiRunOptions& options);

// For tests: a backend over a given client and tool runner (no key, no network).
using ApiToolRunner = ToolOutcome (*)(const ToolEnv&, const std::string&, const std::string&);
std::unique_ptr<Backend> make_api_backend_for_test(const ApiBackendSpec& spec,
                                                   std::unique_ptr<ModelClient> client,
                                                   ApiToolRunner run_tool);

// The tools an agent is offered: its `tools` (all built-in tools when it has none) minus its
// `disallowedTools`, built-in ones only; the names flow has no tool for go to `unavailable`.
std::vector<std::string> api_offered_tools(const AgentRequest& req, std::vector<std::string>* unavailable);

}  // namespace flow::rt

#pragma once
// The conversation of one agent call with a model API (docs/runtime.md, "The tool loop"): send
// the prompt with the offered tools, run the tools the model asks for, send their results
// back, until the model answers without asking for tools or the turn limit is reached.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "runtime/backends/agent_tools.h"
#include "runtime/engine/cancel.h"
#include "runtime/backends/model_api.h"

namespace flow::rt {

// Runs one tool call (run_builtin_tool in flow; a fake in tests).
using ToolRunner =
    std::function<ToolOutcome(const ToolEnv& env, const std::string& name, const std::string& input_json)>;

struct ToolLoopOutcome {
  bool ok = false;
  std::string text;   // the model's final answer
  std::string error;  // when !ok
  ModelUsage usage;   // summed over every request of the loop
  int turns = 0;      // requests sent to the model
  int tool_calls = 0;
  // Events for the run's log, as JSON objects (text): `api_retry` for each retried HTTP
  // attempt, `write_refused` for each write the scope refused.
  std::vector<std::string> events;
};

// `request` holds the system prompt, the first user message, the offered tools and the model.
// A tool the model asks for that was not offered gets an error result, never runs.
// `max_turns` >= 1 bounds the requests sent.
ToolLoopOutcome run_tool_loop(ModelClient& client, ModelRequest request, int max_turns,
                              const ToolEnv& env, const ToolRunner& run_tool, Cancel* cancel);

}  // namespace flow::rt

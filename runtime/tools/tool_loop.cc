#include "runtime/tools/tool_loop.h"

#include "runtime/store/events.h"

namespace flow::rt {
namespace {

void add(ModelUsage& into, const ModelUsage& u) {
  into.input_tokens += u.input_tokens;
  into.output_tokens += u.output_tokens;
  into.cache_read_tokens += u.cache_read_tokens;
  into.cache_creation_tokens += u.cache_creation_tokens;
}

void record_retries(const ModelReply& reply, int turn, std::vector<std::string>& events) {
  for (const ModelRetry& r : reply.retries)
    events.push_back(backend_event_text(ev::ApiRetry{.delay_ms = r.delay_ms, .http_attempt = r.attempt, .reason = r.reason,
                                                      .status = r.status, .turn = turn}));
}

// Runs the calls of one reply; the user message that answers them.
ModelMessage run_calls(const std::vector<ToolCall>& calls, const std::set<std::string>& offered,
                       const ToolEnv& env, const ToolRunner& run_tool, int turn,
                       std::vector<std::string>& events) {
  ModelMessage answer;
  answer.role = ModelMessage::Role::user;
  for (const ToolCall& call : calls) {
    ToolResultBlock result;
    result.tool_call_id = call.id;
    if (!offered.count(call.name)) {
      result.content = "Error: the tool `" + call.name + "` is not available; use one of the tools offered.";
      result.is_error = true;
    } else {
      ToolOutcome o = run_tool(env, call.name, call.input_json);
      result.content = std::move(o.content);
      result.is_error = o.is_error;
      if (!o.refused.empty())
        events.push_back(backend_event_text(ev::WriteRefused{.by = "tool", .path = o.refused, .tool = call.name, .turn = turn}));
    }
    answer.tool_results.push_back(std::move(result));
  }
  return answer;
}

}  // namespace

ToolLoopOutcome run_tool_loop(ModelClient& client, ModelRequest request, int max_turns,
                              const ToolEnv& env, const ToolRunner& run_tool, Cancel* cancel) {
  ToolLoopOutcome out;
  std::set<std::string> offered;
  for (const ToolSpec& t : request.tools) offered.insert(t.name);
  for (int turn = 1; turn <= max_turns; ++turn) {
    if (cancel && cancel->requested()) {
      out.error = "interrupted";
      return out;
    }
    ModelReply reply = client.send(request, cancel);
    out.turns = turn;
    record_retries(reply, turn, out.events);
    add(out.usage, reply.usage);
    if (!reply.ok) {
      out.error = reply.error.empty() ? "the model API failed" : reply.error;
      out.text = std::move(reply.text);
      return out;
    }
    if (reply.tool_calls.empty()) {
      out.ok = true;
      out.text = std::move(reply.text);
      return out;
    }
    out.tool_calls += static_cast<int>(reply.tool_calls.size());
    ModelMessage asked;
    asked.role = ModelMessage::Role::assistant;
    asked.text = std::move(reply.text);
    asked.tool_calls = std::move(reply.tool_calls);
    ModelMessage answer = run_calls(asked.tool_calls, offered, env, run_tool, turn, out.events);
    request.messages.push_back(std::move(asked));
    request.messages.push_back(std::move(answer));
  }
  out.error = "the model was still asking for tools after " + std::to_string(max_turns) +
              " turns (the agent's maxTurns, or the backend's default); raise `maxTurns` in the "
              "agent or give it a smaller task";
  return out;
}

}  // namespace flow::rt

// The `anthropic`/`openai` backends without a network: the tool loop over a scripted client
// and a fake tool runner, the tools an agent is offered, accounting and prices, the config.
// Over HTTP against the fake server: tests/runtime/api_test.py.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <mutex>

#include "runtime/backends/agent_tools.h"
#include "runtime/backends/backend_api.h"
#include "runtime/backends/config.h"
#include "runtime/backends/model_api.h"
#include "runtime/backends/prices.h"
#include "runtime/tools/tool_loop.h"

using namespace flow::rt;

namespace {

// Answers each request with the next scripted reply and keeps what it was sent.
class ScriptedClient : public ModelClient {
 public:
  explicit ScriptedClient(std::vector<ModelReply> replies) : replies_(std::move(replies)) {}
  ModelReply send(const ModelRequest& request, Cancel*) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent.push_back(request);
    return replies_[std::min(sent.size(), replies_.size()) - 1];
  }
  std::vector<ModelRequest> sent;

 private:
  std::mutex mu_;
  std::vector<ModelReply> replies_;
};

ModelReply text(const std::string& t, int64_t in = 10, int64_t out = 5) {
  ModelReply r;
  r.ok = true;
  r.text = t;
  r.usage.input_tokens = in;
  r.usage.output_tokens = out;
  return r;
}

ModelReply asks(const std::string& tool, const std::string& input) {
  ModelReply r = text("");
  r.tool_calls.push_back({"call_" + tool, tool, input});
  return r;
}

std::vector<std::string> ran;  // tools the fake runner ran

ToolOutcome fake_tool(const ToolEnv& env, const std::string& name, const std::string& input) {
  ran.push_back(name);
  if (name == "Write" && input.find("outside") != std::string::npos)
    return {"Error: outside the write scope", true, "outside/x.txt"};
  return {"ran " + name + " in " + env.work_dir, false, ""};
}

ModelRequest request_with(const std::vector<std::string>& tools) {
  ModelRequest r;
  r.model = "m";
  r.system = "sys";
  r.messages.push_back({ModelMessage::Role::user, "task", {}, {}});
  r.tools = builtin_tool_specs(tools);
  return r;
}

}  // namespace

TEST_CASE("the loop runs the tools asked for and sends the results back until the answer") {
  ran.clear();
  ScriptedClient client({asks("Read", R"({"file_path":"a"})"), asks("Write", R"({"file_path":"outside/x"})"),
                         text("done", 7, 3)});
  ToolEnv env;
  env.work_dir = "/w";
  ToolLoopOutcome o = run_tool_loop(client, request_with({"Read", "Write"}), 10, env, fake_tool, nullptr);
  REQUIRE(o.ok);
  CHECK(o.text == "done");
  CHECK(o.turns == 3);
  CHECK(o.tool_calls == 2);
  CHECK(ran == std::vector<std::string>{"Read", "Write"});
  CHECK(o.usage.input_tokens == 27);
  CHECK(o.usage.output_tokens == 13);
  REQUIRE(client.sent.size() == 3);
  const ModelRequest& last = client.sent[2];
  REQUIRE(last.messages.size() == 5);  // user, assistant, results, assistant, results
  CHECK(last.messages[1].tool_calls[0].name == "Read");
  CHECK(last.messages[2].tool_results[0].tool_call_id == "call_Read");
  CHECK(last.messages[2].tool_results[0].content == "ran Read in /w");
  CHECK(last.messages[4].tool_results[0].is_error);
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].find(R"("event":"write_refused")") != std::string::npos);
  CHECK(o.events[0].find(R"("path":"outside/x.txt")") != std::string::npos);
}

TEST_CASE("a tool that was not offered is never run, the model gets an error result") {
  ran.clear();
  ScriptedClient client({asks("Bash", R"({"command":"rm -rf /"})"), text("ok")});
  ToolLoopOutcome o = run_tool_loop(client, request_with({"Read"}), 5, ToolEnv{}, fake_tool, nullptr);
  REQUIRE(o.ok);
  CHECK(ran.empty());
  CHECK(client.sent[1].messages[2].tool_results[0].is_error);
}

TEST_CASE("the turn limit fails the call with a message that says how to fix it") {
  ScriptedClient client({asks("Read", "{}")});
  ToolLoopOutcome o = run_tool_loop(client, request_with({"Read"}), 3, ToolEnv{}, fake_tool, nullptr);
  CHECK_FALSE(o.ok);
  CHECK(o.turns == 3);
  CHECK(client.sent.size() == 3);
  CHECK(o.error.find("maxTurns") != std::string::npos);
}

TEST_CASE("HTTP retries become events, a failed request ends the loop with its error") {
  ModelReply failed;
  failed.error = "HTTP 529: overloaded";
  failed.retries.push_back({1, 529, 1000, "HTTP 529"});
  ScriptedClient client({failed});
  ToolLoopOutcome o = run_tool_loop(client, request_with({}), 3, ToolEnv{}, fake_tool, nullptr);
  CHECK_FALSE(o.ok);
  CHECK(o.error == "HTTP 529: overloaded");
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].find(R"("event":"api_retry")") != std::string::npos);
  CHECK(o.events[0].find(R"("status":529)") != std::string::npos);
}

TEST_CASE("an interrupted loop sends nothing more") {
  ScriptedClient client({text("never")});
  Cancel cancel;
  cancel.request();
  ToolLoopOutcome o = run_tool_loop(client, request_with({}), 3, ToolEnv{}, fake_tool, &cancel);
  CHECK_FALSE(o.ok);
  CHECK(client.sent.empty());
}

TEST_CASE("offered tools: all built-in ones by default, minus disallowed, unknown ones reported") {
  AgentRequest r;
  std::vector<std::string> unavailable;
  CHECK(api_offered_tools(r, &unavailable) ==
        std::vector<std::string>{"Read", "Write", "Edit", "Glob", "Grep", "Bash"});
  CHECK(unavailable.empty());
  r.tools = std::vector<std::string>{"Read", "WebSearch", "Bash", "mcp__db__query"};
  r.disallowed_tools = {"Bash"};
  CHECK(api_offered_tools(r, &unavailable) == std::vector<std::string>{"Read"});
  CHECK(unavailable == std::vector<std::string>{"WebSearch", "mcp__db__query"});
}

TEST_CASE("a backend call: system prompt, user message, tokens, turns and cost") {
  auto client = std::make_unique<ScriptedClient>(std::vector<ModelReply>{
      asks("Write", R"({"file_path":"outside/x"})"), text("answer", 1000000, 100000)});
  ScriptedClient* seen = client.get();
  ApiBackendSpec spec = default_api_spec("api", "anthropic");
  auto backend = make_api_backend_for_test(spec, std::move(client), fake_tool);
  AgentRequest req;
  req.agent = "writer";
  req.model = "claude-sonnet-4-5-20250929";
  req.system_prompt = "You write.";
  req.user_message = "Write x.";
  req.tools = std::vector<std::string>{"Write", "WebFetch"};
  req.writes = {"src/**"};
  AgentResult r = backend->call(req, nullptr);
  REQUIRE(r.ok);
  CHECK(r.output == "answer");
  CHECK(seen->sent[0].system == "You write.");
  CHECK(seen->sent[0].messages[0].text == "Write x.");
  CHECK(seen->sent[0].model == "claude-sonnet-4-5-20250929");
  REQUIRE(seen->sent[0].tools.size() == 1);
  CHECK(seen->sent[0].tools[0].name == "Write");
  CHECK(r.usage.known);
  CHECK(r.usage.cost_known);
  CHECK(r.usage.num_turns == 2);
  CHECK(r.usage.input_tokens == 1000010);
  CHECK(r.usage.cost_usd == Approx((1000010 * 3.0 + 100005 * 15.0) / 1e6));
  REQUIRE(r.events.size() == 2);  // WebFetch is unavailable; the Write was refused
  CHECK(r.events[0].find("tools_unavailable") != std::string::npos);
  CHECK(r.events[1].find("write_refused") != std::string::npos);
  CHECK(backend->retry_policy().retries == 0);  // the client retries HTTP itself
  r = backend->call(req, nullptr);  // answers at once; the unavailable tools are reported once
  CHECK(r.events.empty());
}

TEST_CASE("an unpriced model: tokens counted, cost unknown, no model at all is an error") {
  auto backend = make_api_backend_for_test(default_api_spec("local", "openai"),
                                           std::make_unique<ScriptedClient>(std::vector<ModelReply>{text("hi")}),
                                           fake_tool);
  AgentRequest req;
  req.agent = "a";
  req.model = "llama3.2";
  AgentResult r = backend->call(req, nullptr);
  REQUIRE(r.ok);
  CHECK(r.usage.known);
  CHECK_FALSE(r.usage.cost_known);
  CHECK(r.usage.input_tokens == 10);
  req.model = "";
  r = backend->call(req, nullptr);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("names no model") != std::string::npos);
}

TEST_CASE("prices: exact names, dated names, overrides, unknown models") {
  PriceTable none;
  CHECK(find_price(none, "claude-haiku-4-5")->input == 1);
  CHECK(find_price(none, "claude-opus-4-1-20250805")->output == 75);
  CHECK(find_price(none, "claude-opus-4-20250514")->output == 75);
  CHECK(find_price(none, "gpt-4o-mini-2024-07-18")->input == Approx(0.15));
  CHECK(find_price(none, "gpt-4.1-nano")->output == Approx(0.40));
  CHECK_FALSE(find_price(none, "llama3.2").has_value());
  CHECK_FALSE(find_price(none, "gpt-4ox").has_value());
  PriceTable mine{{"llama3.2", {0, 0, 0, 0}}, {"gpt-4o", {1, 2, 0, 0}}};
  CHECK(find_price(mine, "llama3.2").has_value());
  CHECK(find_price(mine, "gpt-4o-2024-08-06")->input == 1);
  CHECK(call_cost({3, 15, 0.3, 3.75}, 1000000, 1000000, 1000000, 1000000) == Approx(22.05));
}

TEST_CASE("config: anthropic and openai backends with defaults, prices, routing") {
  ConfigResult r = parse_config(R"(
default_backend: claude-api
backends:
  claude-api: { type: anthropic, model: claude-sonnet-4-5, timeout: 120, retries: 2 }
  local:
    type: openai
    base_url: "http://127.0.0.1:11434/v1"
    api_key_env: ""
    max_turns: 12
agents:
  planner: { backend: local }
prices:
  llama3.2: { input: 0, output: 0 }
  claude-sonnet-4-5: { input: 2, output: 10, cache_read: 0.2 }
)", "flow.yaml");
  REQUIRE(r.ok);
  const ApiBackendSpec& a = r.config.api_backends.at("claude-api");
  CHECK(a.kind == "anthropic");
  CHECK(a.base_url.empty());
  unsetenv("ANTHROPIC_BASE_URL");
  CHECK(api_base_url(a) == "https://api.anthropic.com");
  setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9", 1);
  CHECK(api_base_url(a) == "http://127.0.0.1:9");
  unsetenv("ANTHROPIC_BASE_URL");
  CHECK(a.api_key_env == "ANTHROPIC_API_KEY");
  CHECK(a.timeout_ms == 120000);
  CHECK(a.retries == 2);
  CHECK(a.prices.at("claude-sonnet-4-5").input == 2);
  const ApiBackendSpec& l = r.config.api_backends.at("local");
  CHECK(api_base_url(l) == "http://127.0.0.1:11434/v1");
  CHECK(l.api_key_env.empty());
  CHECK(l.max_turns == 12);
  CHECK(backend_for(r.config, "", "planner", "") == "local");
  CHECK(r.config.backends.empty());
}

TEST_CASE("config errors for the API backends name the place and the fix") {
  auto error_of = [](const std::string& text) {
    ConfigResult r = parse_config(text, "flow.yaml");
    CHECK_FALSE(r.ok);
    return r.error;
  };
  CHECK(error_of("backends:\n  a: { type: anthropic, api_key_env: \"\" }\n").find("flow.yaml:2:") == 0);
  CHECK(error_of("backends:\n  a: { type: openai, base_url: localhost:8080 }\n").find("http://") !=
        std::string::npos);
  CHECK(error_of("backends:\n  a: { type: openai, command: x }\n").find("unknown key `command`") !=
        std::string::npos);
  CHECK(error_of("prices:\n  m: { input: cheap, output: 1 }\n").find("flow.yaml:2:") == 0);
  CHECK(error_of("prices:\n  m: { input: 1 }\n").find("needs at least") != std::string::npos);
  CHECK(error_of("backends:\n  a: { type: gemini }\n").find("`anthropic` or `openai`") != std::string::npos);
}

TEST_CASE("only an agent offered Write, Edit or Bash may change files: the tree check is for it") {
  auto backend = make_api_backend_for_test(default_api_spec("local", "openai"),
                                           std::make_unique<ScriptedClient>(std::vector<ModelReply>{}),
                                           fake_tool);
  AgentRequest r;
  CHECK(backend->may_change_files(r));  // no `tools`: all built-in ones, Bash among them
  r.tools = std::vector<std::string>{"Read", "Glob", "Grep", "WebSearch"};
  CHECK_FALSE(backend->may_change_files(r));
  for (const char* t : {"Write", "Edit", "Bash"}) {
    r.tools = std::vector<std::string>{"Read", t};
    CHECK(backend->may_change_files(r));
    r.disallowed_tools = {t};
    CHECK_FALSE(backend->may_change_files(r));
    r.disallowed_tools.clear();
  }
}

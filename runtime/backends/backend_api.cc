// The `anthropic` and `openai` backends: one agent call is one tool loop (tool_loop.h) over a
// ModelClient (model_api.h), with the built-in tools (agent_tools.h) confined to the current
// directory and the agent's write scope. Tokens come from the API's usage, the cost from the
// price table (prices.h).
#include "runtime/backends/backend_api.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "runtime/backends/agent_tools.h"
#include "runtime/store/events.h"
#include "runtime/backends/model_api.h"
#include "runtime/tools/tool_loop.h"

namespace flow::rt {
namespace {

const char* const kAllTools[] = {"Read", "Write", "Edit", "Glob", "Grep", "Bash"};

std::string current_dir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

class ApiBackend : public Backend {
 public:
  ApiBackend(ApiBackendSpec spec, ApiRunOptions options, ToolRunner run_tool)
      : spec_(std::move(spec)), options_(std::move(options)), run_tool_(std::move(run_tool)) {}
  void set_client(std::unique_ptr<ModelClient> client) { client_ = std::move(client); }
  std::string name() const override { return spec_.name; }
  // The client retries HTTP failures itself (429, 529, 5xx, timeouts), with backoff and
  // retry-after; a call that still fails has used them up, and running the whole tool loop
  // again would repeat its tools' writes. So no flow-level retries on top.
  RetryPolicy retry_policy() const override { return {0, 0}; }
  bool check_ready(std::string* error) override;
  bool may_change_files(const AgentRequest& req) const override;
  AgentResult call(const AgentRequest& req, Cancel* cancel) override;

 private:
  std::string unavailable_event(const AgentRequest& req, const std::vector<std::string>& names);

  ApiBackendSpec spec_;
  ApiRunOptions options_;
  ToolRunner run_tool_;
  std::unique_ptr<ModelClient> client_;
  std::mutex mu_;
  std::set<std::string> warned_;  // agents whose unavailable tools were reported
};

bool ApiBackend::check_ready(std::string* error) {
  if (client_) return true;
  ModelEndpoint e;
  e.kind = spec_.kind;
  e.base_url = api_base_url(spec_);
  e.timeout_ms = spec_.timeout_ms;
  e.retries = spec_.retries;
  e.retry_delay_ms = spec_.retry_delay_ms;
  e.record_dir = options_.record_dir;
  e.replay_dir = options_.replay_dir;
  if (!spec_.api_key_env.empty()) {
    const char* key = std::getenv(spec_.api_key_env.c_str());
    if ((!key || !*key) && options_.replay_dir.empty()) {  // a replay sends nothing
      *error = "backend `" + spec_.name + "` (" + spec_.kind + ") reads its API key from the " +
               "environment variable " + spec_.api_key_env + ", which is not set; export it " +
               "(export " + spec_.api_key_env + "=...) or name another variable with `api_key_env:`" +
               (spec_.kind == "openai" ? " (`api_key_env: \"\"` for a local server without a key)" : "");
      return false;
    }
    if (key) e.api_key = key;
  }
  std::string why;
  client_ = make_model_client(e, &why);
  if (!client_) {
    *error = "backend `" + spec_.name + "`: " + why;
    return false;
  }
  return true;
}

// Read, Glob and Grep only read; an agent offered none of the others cannot change a file.
bool ApiBackend::may_change_files(const AgentRequest& req) const {
  std::vector<std::string> unavailable;
  for (const std::string& t : api_offered_tools(req, &unavailable))
    if (t == "Write" || t == "Edit" || t == "Bash") return true;
  return false;
}

std::string ApiBackend::unavailable_event(const AgentRequest& req, const std::vector<std::string>& names) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!warned_.insert(req.agent).second) return "";
  }
  return backend_event_text(ev::ToolsUnavailable{.agent = req.agent, .backend = spec_.name, .tools = names});
}

AgentUsage usage_of(const ToolLoopOutcome& loop, const std::string& model, const PriceTable& prices) {
  AgentUsage u;
  u.known = true;
  u.input_tokens = loop.usage.input_tokens;
  u.output_tokens = loop.usage.output_tokens;
  u.cache_read_tokens = loop.usage.cache_read_tokens;
  u.cache_creation_tokens = loop.usage.cache_creation_tokens;
  u.num_turns = loop.turns;
  std::optional<ModelPrice> price = find_price(prices, model);
  u.cost_known = price.has_value();
  if (price)
    u.cost_usd = call_cost(*price, u.input_tokens, u.output_tokens, u.cache_read_tokens,
                           u.cache_creation_tokens);
  return u;
}

AgentResult ApiBackend::call(const AgentRequest& req, Cancel* cancel) {
  AgentResult out;
  if (!client_) {  // check_ready runs once per run before any call; never here
    out.error = "backend `" + spec_.name + "` was not set up (no API client)";
    return out;
  }
  ModelRequest mr;
  mr.model = req.model.empty() || req.model == "inherit" ? spec_.model : req.model;
  if (mr.model.empty()) {
    out.error = "agent `" + req.agent + "` names no model and backend `" + spec_.name +
                "` has no `model:`; give the agent a `model:` or the backend a default model";
    return out;
  }
  mr.system = req.system_prompt;
  mr.messages.push_back({ModelMessage::Role::user, req.user_message, {}, {}});
  mr.max_tokens = spec_.max_tokens;
  std::vector<std::string> unavailable;
  std::vector<std::string> offered = api_offered_tools(req, &unavailable);
  mr.tools = builtin_tool_specs(offered);
  if (!unavailable.empty())
    if (std::string e = unavailable_event(req, unavailable); !e.empty()) out.events.push_back(e);
  ToolEnv env;
  env.work_dir = current_dir();
  env.scope = agent_write_scope(req.tools.has_value(), req.tools.value_or(std::vector<std::string>{}),
                                req.writes);
  env.cancel = cancel;
  int max_turns = req.max_turns > 0 ? req.max_turns : spec_.max_turns;
  ToolLoopOutcome loop = run_tool_loop(*client_, std::move(mr), max_turns, env, run_tool_, cancel);
  out.usage = usage_of(loop, req.model.empty() || req.model == "inherit" ? spec_.model : req.model,
                       spec_.prices);
  out.events.insert(out.events.end(), loop.events.begin(), loop.events.end());
  out.output = std::move(loop.text);
  out.ok = loop.ok;
  if (!loop.ok) out.error = "backend `" + spec_.name + "`: " + loop.error;
  return out;
}

}  // namespace

ApiBackendSpec default_api_spec(const std::string& name, const std::string& kind) {
  ApiBackendSpec s;
  s.name = name;
  s.kind = kind;
  s.api_key_env = kind == "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
  return s;
}

std::string api_base_url(const ApiBackendSpec& spec) {
  if (!spec.base_url.empty()) return spec.base_url;
  const bool anthropic = spec.kind == "anthropic";
  const char* env = std::getenv(anthropic ? "ANTHROPIC_BASE_URL" : "OPENAI_BASE_URL");
  if (env && *env) return env;
  return anthropic ? "https://api.anthropic.com" : "https://api.openai.com/v1";
}

std::vector<std::string> api_offered_tools(const AgentRequest& req, std::vector<std::string>* unavailable) {
  std::vector<std::string> wanted =
      req.tools ? *req.tools : std::vector<std::string>(std::begin(kAllTools), std::end(kAllTools));
  std::vector<std::string> out;
  for (const std::string& t : wanted) {
    if (std::find(req.disallowed_tools.begin(), req.disallowed_tools.end(), t) != req.disallowed_tools.end())
      continue;
    if (!is_builtin_tool(t)) unavailable->push_back(t);
    else if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

std::unique_ptr<Backend> make_api_backend(const ApiBackendSpec& spec, const ApiRunOptions& options) {
  return std::make_unique<ApiBackend>(spec, options, run_builtin_tool);
}

std::unique_ptr<Backend> make_api_backend_for_test(const ApiBackendSpec& spec,
                                                   std::unique_ptr<ModelClient> client,
                                                   ApiToolRunner run_tool) {
  auto b = std::make_unique<ApiBackend>(spec, ApiRunOptions{}, run_tool);
  b->set_client(std::move(client));
  return b;
}

}  // namespace flow::rt

// A test driver for ModelClient: sends the requests of a JSON file at once (one thread each)
// and prints the replies as JSON, so tests/runtime/model_api_test.py can exercise the real
// HTTP client against tests/runtime/fake_model_api.py.
//
// usage: model_api_probe --kind anthropic|openai --base-url URL [--key-env VAR]
//          [--timeout-ms N] [--connect-timeout-ms N] [--retries N] [--retry-delay-ms N]
//          [--record DIR] [--replay DIR] [--cancel-after-ms N] [--sequential 1] REQUESTS.json
// REQUESTS.json: a list of {"model", "system", "max_tokens", "tools": [{"name",
// "description", "input_schema"}], "messages": [{"role", "text", "tool_calls": [{"id",
// "name", "input"}], "tool_results": [{"tool_call_id", "content", "is_error"}]}]}.
// --sequential 1 sends them one after another from one thread instead (connection reuse).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "lang/read_file.h"
#include "runtime/backends/model_api.h"

using flow::rt::ModelReply;
using flow::rt::ModelRequest;
using json = nlohmann::json;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ModelRequest request_of(const json& j) {
  ModelRequest r;
  r.model = j.value("model", "test-model");
  r.system = j.value("system", "");
  r.max_tokens = j.value("max_tokens", 1024);
  for (const json& t : j.value("tools", json::array()))
    r.tools.push_back({t.value("name", ""), t.value("description", ""),
                       t.value("input_schema", json::object()).dump()});
  for (const json& m : j.value("messages", json::array())) {
    flow::rt::ModelMessage msg;
    msg.role = m.value("role", "user") == "assistant" ? flow::rt::ModelMessage::Role::assistant
                                                      : flow::rt::ModelMessage::Role::user;
    msg.text = m.value("text", "");
    for (const json& c : m.value("tool_calls", json::array()))
      msg.tool_calls.push_back({c.value("id", ""), c.value("name", ""),
                                c.contains("input_json") ? c.value("input_json", "")
                                                         : c.value("input", json::object()).dump()});
    for (const json& t : m.value("tool_results", json::array()))
      msg.tool_results.push_back(
          {t.value("tool_call_id", ""), t.value("content", ""), t.value("is_error", false)});
    r.messages.push_back(std::move(msg));
  }
  return r;
}

json reply_json(const ModelReply& r) {
  json calls = json::array(), retries = json::array();
  for (const auto& c : r.tool_calls)
    calls.push_back({{"id", c.id}, {"name", c.name}, {"input_json", c.input_json},
                     {"input_error", flow::rt::tool_input_error(c.input_json)}});
  for (const auto& t : r.retries)
    retries.push_back({{"attempt", t.attempt}, {"status", t.status}, {"delay_ms", t.delay_ms},
                       {"reason", t.reason}});
  return {{"ok", r.ok}, {"text", r.text}, {"tool_calls", calls}, {"stop_reason", r.stop_reason},
          {"usage", {{"input_tokens", r.usage.input_tokens}, {"output_tokens", r.usage.output_tokens},
                     {"cache_read_tokens", r.usage.cache_read_tokens},
                     {"cache_creation_tokens", r.usage.cache_creation_tokens}}},
          {"retries", retries}, {"error", r.error}};
}

bool parse_args(int argc, char** argv, flow::rt::ModelEndpoint* ep, int* cancel_after,
                bool* sequential, std::string* file) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      *file = a;
      return true;
    }
    std::string v = argv[++i];
    if (a == "--kind") ep->kind = v;
    else if (a == "--base-url") ep->base_url = v;
    else if (a == "--key-env") ep->api_key = std::getenv(v.c_str()) ? std::getenv(v.c_str()) : "";
    else if (a == "--timeout-ms") ep->timeout_ms = std::atoi(v.c_str());
    else if (a == "--connect-timeout-ms") ep->connect_timeout_ms = std::atoi(v.c_str());
    else if (a == "--retries") ep->retries = std::atoi(v.c_str());
    else if (a == "--retry-delay-ms") ep->retry_delay_ms = std::atoi(v.c_str());
    else if (a == "--record") ep->record_dir = v;
    else if (a == "--replay") ep->replay_dir = v;
    else if (a == "--cancel-after-ms") *cancel_after = std::atoi(v.c_str());
    else if (a == "--sequential") *sequential = v == "1";
    else return false;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  flow::rt::ModelEndpoint ep;
  int cancel_after = -1;
  bool sequential = false;
  std::string file;
  if (!parse_args(argc, argv, &ep, &cancel_after, &sequential, &file)) {
    std::fprintf(stderr, "model_api_probe: bad arguments (see the comment at the top)\n");
    return 2;
  }
  std::string text;
  bool read = flow::read_file(file, &text);
  json requests = json::parse(text, nullptr, false);
  if (!read || !requests.is_array()) {
    std::fprintf(stderr, "model_api_probe: %s is not a JSON list of requests\n", file.c_str());
    return 2;
  }
  std::string error;
  auto client = flow::rt::make_model_client(ep, &error);
  if (!client) {
    std::printf("%s\n", json({{"client_error", error}}).dump().c_str());
    return 1;
  }
  flow::rt::Cancel cancel;
  std::vector<ModelReply> replies(requests.size());
  std::vector<int64_t> ended(requests.size());
  std::vector<std::thread> threads;
  int64_t start = now_ms(), cancelled_at = -1;
  auto send = [&](size_t i) {
    replies[i] = client->send(request_of(requests[i]), &cancel);
    ended[i] = now_ms();
  };
  if (sequential)
    threads.emplace_back([&] {
      for (size_t i = 0; i < requests.size(); ++i) send(i);
    });
  else
    for (size_t i = 0; i < requests.size(); ++i) threads.emplace_back(send, i);
  if (cancel_after >= 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(cancel_after));
    cancelled_at = now_ms();
    cancel.request();
  }
  for (auto& t : threads) t.join();
  json out = json::array();
  for (size_t i = 0; i < replies.size(); ++i) {
    json r = reply_json(replies[i]);
    r["elapsed_ms"] = ended[i] - start;
    if (cancelled_at >= 0) r["cancel_latency_ms"] = ended[i] - cancelled_at;
    out.push_back(std::move(r));
  }
  std::printf("%s\n", out.dump(1).c_str());
  return 0;
}

// The model API's pure parts: both wire formats, error messages, the retry policy, and
// recordings. The HTTP exchange itself is tested end to end by tests/runtime/model_api_test.py.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "runtime/backends/model_api.h"
#include "runtime/backends/model_record.h"
#include "runtime/backends/model_retry.h"
#include "runtime/backends/model_wire.h"
#include "runtime/store/run_store.h"
#include "runtime/testing.h"

using namespace flow::rt;
using json = nlohmann::json;

namespace {

// A conversation with every kind of block: text, a tool call, an error result, a follow-up.
ModelRequest conversation() {
  ModelRequest r;
  r.model = "m1";
  r.system = "be brief";
  r.max_tokens = 100;
  r.tools.push_back({"Read", "Reads a file", R"({"type":"object","required":["file_path"]})"});
  ModelMessage ask;
  ask.text = "read a.txt";
  ModelMessage call;
  call.role = ModelMessage::Role::assistant;
  call.text = "Reading.";
  call.tool_calls.push_back({"id1", "Read", R"({"file_path":"a.txt"})"});
  ModelMessage result;
  result.tool_results.push_back({"id1", "no such file", true});
  r.messages = {ask, call, result};
  return r;
}

}  // namespace

TEST_CASE("anthropic requests carry system, blocks, tools and max_tokens") {
  json body = json::parse(anthropic_request_body(conversation()));
  CHECK(body["model"] == "m1");
  CHECK(body["max_tokens"] == 100);
  CHECK(body["system"] == "be brief");
  CHECK(body["messages"][0] == json::parse(R"({"role":"user","content":[{"type":"text","text":"read a.txt"}]})"));
  CHECK(body["messages"][1]["role"] == "assistant");
  CHECK(body["messages"][1]["content"][0] == json::parse(R"({"type":"text","text":"Reading."})"));
  CHECK(body["messages"][1]["content"][1] ==
        json::parse(R"({"type":"tool_use","id":"id1","name":"Read","input":{"file_path":"a.txt"}})"));
  CHECK(body["messages"][2]["content"][0] ==
        json::parse(R"({"type":"tool_result","tool_use_id":"id1","content":"no such file","is_error":true})"));
  CHECK(body["tools"][0] == json::parse(R"({"name":"Read","description":"Reads a file",
        "input_schema":{"type":"object","required":["file_path"]}})"));
  ModelRequest bare;
  bare.messages.push_back({});
  json b = json::parse(anthropic_request_body(bare));
  CHECK_FALSE(b.contains("system"));
  CHECK_FALSE(b.contains("tools"));
}

TEST_CASE("anthropic replies give text, tool calls, stop reason and usage") {
  ModelReply reply;
  std::string error;
  REQUIRE(parse_anthropic_reply(R"({"content":[{"type":"thinking","thinking":"hm"},
      {"type":"text","text":"Let me look."},{"type":"tool_use","id":"t1","name":"Read",
      "input":{"file_path":"x"}}],"stop_reason":"tool_use","usage":{"input_tokens":12,
      "output_tokens":3,"cache_read_input_tokens":40,"cache_creation_input_tokens":5}})",
                                &reply, &error));
  CHECK(reply.text == "Let me look.");
  REQUIRE(reply.tool_calls.size() == 1);
  CHECK(reply.tool_calls[0].id == "t1");
  CHECK(reply.tool_calls[0].name == "Read");
  CHECK(json::parse(reply.tool_calls[0].input_json) == json::parse(R"({"file_path":"x"})"));
  CHECK(reply.stop_reason == "tool_use");
  CHECK(reply.usage.input_tokens == 12);
  CHECK(reply.usage.output_tokens == 3);
  CHECK(reply.usage.cache_read_tokens == 40);
  CHECK(reply.usage.cache_creation_tokens == 5);
  ModelReply bad;
  CHECK_FALSE(parse_anthropic_reply("{\"content\": [", &bad, &error));
  CHECK(error == "the reply is not JSON");
  CHECK_FALSE(parse_anthropic_reply(R"({"type":"message"})", &bad, &error));
  CHECK(error == "the reply has no content array");
}

TEST_CASE("openai requests carry the system message, tool_calls, tool messages and tools") {
  ModelRequest r = conversation();
  r.messages[1].tool_calls[0].input_json = R"({"file_path": )";  // malformed: sent back as is
  json body = json::parse(openai_request_body(r));
  CHECK(body["max_completion_tokens"] == 100);
  const json& m = body["messages"];
  REQUIRE(m.size() == 4);
  CHECK(m[0] == json::parse(R"({"role":"system","content":"be brief"})"));
  CHECK(m[1] == json::parse(R"({"role":"user","content":"read a.txt"})"));
  CHECK(m[2]["role"] == "assistant");
  CHECK(m[2]["content"] == "Reading.");
  CHECK(m[2]["tool_calls"][0] == json::parse(R"({"id":"id1","type":"function",
        "function":{"name":"Read","arguments":"{\"file_path\": "}})"));
  CHECK(m[3] == json::parse(R"({"role":"tool","tool_call_id":"id1","content":"Error: no such file"})"));
  CHECK(body["tools"][0] == json::parse(R"({"type":"function","function":{"name":"Read",
        "description":"Reads a file","parameters":{"type":"object","required":["file_path"]}}})"));
}

TEST_CASE("openai replies give content, tool calls with malformed arguments kept, and usage") {
  ModelReply reply;
  std::string error;
  REQUIRE(parse_openai_reply(R"({"choices":[{"index":0,"finish_reason":"tool_calls",
      "message":{"role":"assistant","content":null,"tool_calls":[
        {"id":"c1","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"x\"}"}},
        {"id":"c2","type":"function","function":{"name":"Write","arguments":"{\"oops"}},
        {"type":"function","function":{"name":"Glob","arguments":""}}]}}],
      "usage":{"prompt_tokens":100,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":30}}})",
                             &reply, &error));
  CHECK(reply.text.empty());
  CHECK(reply.stop_reason == "tool_calls");
  REQUIRE(reply.tool_calls.size() == 3);
  CHECK(tool_input_error(reply.tool_calls[0].input_json).empty());
  CHECK(reply.tool_calls[1].input_json == "{\"oops");
  CHECK(tool_input_error(reply.tool_calls[1].input_json).find("not valid JSON") != std::string::npos);
  CHECK(reply.tool_calls[2].id == "call_3");
  CHECK(reply.tool_calls[2].input_json == "{}");
  CHECK(reply.usage.input_tokens == 70);
  CHECK(reply.usage.cache_read_tokens == 30);
  CHECK(reply.usage.output_tokens == 9);
  ModelReply parts;
  REQUIRE(parse_openai_reply(R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},
      {"type":"text","text":"b"}]},"finish_reason":"stop"}]})", &parts, &error));
  CHECK(parts.text == "ab");
  CHECK_FALSE(parse_openai_reply(R"({"choices":[]})", &parts, &error));
  CHECK(error == "the reply has no choices[0].message");
  CHECK(tool_input_error("[1]").find("not a JSON object") != std::string::npos);
}

TEST_CASE("provider error messages are extracted, printable, one line and cut") {
  CHECK(provider_error_message(R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})") ==
        "Overloaded");
  CHECK(provider_error_message(R"({"error":{"message":"Invalid key\nsee docs","type":"x"}})") ==
        "Invalid key see docs");
  CHECK(provider_error_message("<html>\x1b]0;owned\x07" "Bad Gateway</html>") == "<html>Bad Gateway</html>");
  CHECK(provider_error_message("") == "(no message)");
  CHECK(has_provider_error(R"({"error":{"message":"model not found"}})"));
  CHECK_FALSE(has_provider_error("404 page not found"));
  std::string long_body(1000, 'x');
  CHECK(provider_error_message(long_body, 50) == std::string(50, 'x') + "...");
  std::string utf8 = std::string(49, 'a') + "\xc3\xa9";  // é straddles the cut
  CHECK(provider_error_message(utf8, 50) == std::string(49, 'a') + "...");
}

TEST_CASE("retry policy: statuses, retry-after in seconds or as a date, capped, full jitter") {
  CHECK(retryable_status(429));
  CHECK(retryable_status(529));
  CHECK(retryable_status(500));
  CHECK(retryable_status(503));
  CHECK_FALSE(retryable_status(400));
  CHECK_FALSE(retryable_status(401));
  CHECK_FALSE(retryable_status(404));
  CHECK(retry_after_delay_ms("1", "", 0) == 1000);
  CHECK(retry_after_delay_ms(" 2.5 ", "", 0) == 2500);
  CHECK(retry_after_delay_ms("86400", "", 0) == kMaxRetryAfterMs);
  // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
  CHECK(retry_after_delay_ms("Wed, 21 Oct 2015 07:28:00 GMT", "", 1445412480000 - 3000) == 3000);
  CHECK(retry_after_delay_ms("Wed, 21 Oct 2015 07:28:00 GMT", "", 1445412480000 + 5000) == 0);
  CHECK(retry_after_delay_ms("soon", "", 0) == -1);
  CHECK(retry_after_delay_ms("-1", "", 0) == -1);
  CHECK(retry_after_delay_ms("", "", 0) == -1);
  CHECK(retry_after_delay_ms("", "250", 0) == 250);
  CHECK(backoff_delay_ms(1000, 1, 0.5) == 500);
  CHECK(backoff_delay_ms(1000, 3, 0.999) == 3996);
  CHECK(backoff_delay_ms(1000, 3, 0.0) == 0);
  CHECK(backoff_delay_ms(1000, 40, 0.999) <= kMaxBackoffMs);
  CHECK(backoff_delay_ms(1000, 40, 0.999) >= kMaxBackoffMs * 99 / 100);
}

TEST_CASE("recordings: named by request and occurrence, private, never holding the key") {
  testing::TempDir tmp;
  std::string dir = tmp.path + "/rec", body = anthropic_request_body(conversation());
  CHECK(recording_name("anthropic", body, 1) == recording_name("anthropic", body, 1));
  CHECK(recording_name("anthropic", body, 1) != recording_name("openai", body, 1));
  // Named by the request as canonical JSON: spacing and key order do not matter, content does.
  CHECK(recording_name("anthropic", body, 1) == recording_name("anthropic", body + " ", 1));
  CHECK(recording_name("anthropic", "{\"a\": 1, \"b\": 2}", 1) ==
        recording_name("anthropic", "{\"b\":2,\"a\":1}", 1));
  CHECK(recording_name("anthropic", "{\"a\":1}", 1) != recording_name("anthropic", "{\"a\":2}", 1));
  CHECK(recording_name("anthropic", body, 1).size() == 18);
  OccurrenceCounter counter;
  CHECK(counter.next("anthropic", body) == 1);
  CHECK(counter.next("anthropic", "{}") == 1);
  CHECK(counter.next("anthropic", body) == 2);

  std::string name = recording_name("anthropic", body, 1), error;
  REQUIRE(save_recording(dir, name, "anthropic", body, {200, "{\"content\":[]}"}, "sk-1", &error));
  struct stat st;
  REQUIRE(::stat((dir + "/" + name + ".json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  RecordedAnswer back;
  REQUIRE(load_recording(dir, name, "anthropic", body, &back, &error));
  CHECK(back.status == 200);
  CHECK(back.body == "{\"content\":[]}");
  CHECK_FALSE(load_recording(dir, name, "anthropic", "{}", &back, &error));
  CHECK(error.find("holds a different request") != std::string::npos);
  CHECK(count_recordings(dir) == 1);
  CHECK(count_recordings(dir + "/none") == -1);
  // A reply that echoes the key is refused, and nothing is written.
  CHECK_FALSE(save_recording(dir, "x-1", "anthropic", body, {200, "your key is sk-1"}, "sk-1", &error));
  CHECK(error.find("contains the API key") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir + "/x-1.json"));
  // A directory that cannot be made (a file is in the way) says so.
  REQUIRE(write_file(tmp.path + "/file", "x", &error));
  CHECK_FALSE(save_recording(tmp.path + "/file/rec", name, "anthropic", body, {200, "{}"}, "", &error));
  CHECK(error.find(tmp.path + "/file") != std::string::npos);
}

TEST_CASE("endpoints that cannot work are refused with a reason") {
  testing::TempDir tmp;
  std::string error;
  ModelEndpoint ep;
  ep.kind = "gemini";
  ep.base_url = "https://example.com";
  CHECK(make_model_client(ep, &error) == nullptr);
  CHECK(error == "unknown model API 'gemini' (expected anthropic or openai)");
  ep.kind = "openai";
  ep.base_url = "localhost:11434";
  CHECK(make_model_client(ep, &error) == nullptr);
  CHECK(error.find("does not start with http:// or https://") != std::string::npos);
  ep.base_url = "http://127.0.0.1:1/v1";
  ep.record_dir = tmp.path;
  ep.replay_dir = tmp.path;
  CHECK(make_model_client(ep, &error) == nullptr);
  ep.record_dir.clear();
  ep.replay_dir = tmp.path + "/missing";
  CHECK(make_model_client(ep, &error) == nullptr);
  CHECK(error.find("cannot read the replay directory") != std::string::npos);
  ep.replay_dir = tmp.path;
  CHECK(make_model_client(ep, &error) != nullptr);
}

// The fast JSON string writer and the request bodies written with it must give exactly the
// bytes nlohmann/json gives: a recording is found by the hash of its request body, so a
// single byte of difference would make every recording made before unfindable.
#include "runtime/json_string.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "runtime/model_api.h"
#include "runtime/model_wire.h"

using namespace flow::rt;

namespace {

using njson = nlohmann::json;

std::string nlohmann_text(const std::string& s) {
  return njson(s).dump(-1, ' ', false, njson::error_handler_t::replace);
}

std::string fast_text(const std::string& s) {
  std::string out = "x";  // appends: what is there already stays
  append_json_string(&out, s);
  return out.substr(1);
}

// The request bodies as they were built before: JSON values dumped by nlohmann/json.
njson schema_object(const std::string& text) {
  njson j = njson::parse(text, nullptr, false);
  return j.is_object() ? j : njson::object();
}

std::string dumped(const njson& j) { return j.dump(-1, ' ', false, njson::error_handler_t::replace); }

std::string reference_openai_body(const ModelRequest& request) {
  njson body = {{"model", request.model}, {"max_completion_tokens", request.max_tokens}};
  njson messages = njson::array();
  if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
  for (const ModelMessage& m : request.messages) {
    if (m.role == ModelMessage::Role::assistant) {
      njson msg = {{"role", "assistant"}};
      msg["content"] = m.text.empty() && !m.tool_calls.empty() ? njson(nullptr) : njson(m.text);
      if (!m.tool_calls.empty()) {
        njson calls = njson::array();
        for (const ToolCall& c : m.tool_calls)
          calls.push_back({{"id", c.id}, {"type", "function"},
                           {"function", {{"name", c.name}, {"arguments", c.input_json}}}});
        msg["tool_calls"] = std::move(calls);
      }
      messages.push_back(std::move(msg));
      continue;
    }
    for (const ToolResultBlock& r : m.tool_results)
      messages.push_back({{"role", "tool"}, {"tool_call_id", r.tool_call_id},
                          {"content", r.is_error ? "Error: " + r.content : r.content}});
    if (!m.text.empty() || m.tool_results.empty())
      messages.push_back({{"role", "user"}, {"content", m.text}});
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    njson tools = njson::array();
    for (const ToolSpec& t : request.tools) {
      njson fn = {{"name", t.name}, {"description", t.description},
                  {"parameters", schema_object(t.input_schema)}};
      tools.push_back({{"type", "function"}, {"function", std::move(fn)}});
    }
    body["tools"] = std::move(tools);
  }
  return dumped(body);
}

njson reference_anthropic_content(const ModelMessage& m) {
  njson blocks = njson::array();
  for (const ToolResultBlock& r : m.tool_results) {
    njson b = {{"type", "tool_result"}, {"tool_use_id", r.tool_call_id}, {"content", r.content}};
    if (r.is_error) b["is_error"] = true;
    blocks.push_back(std::move(b));
  }
  if (!m.text.empty() || (m.tool_calls.empty() && m.tool_results.empty()))
    blocks.push_back({{"type", "text"}, {"text", m.text}});
  for (const ToolCall& c : m.tool_calls)
    blocks.push_back({{"type", "tool_use"}, {"id", c.id}, {"name", c.name},
                      {"input", schema_object(c.input_json)}});
  return blocks;
}

std::string reference_anthropic_body(const ModelRequest& request) {
  njson body = {{"model", request.model}, {"max_tokens", request.max_tokens}};
  if (!request.system.empty()) body["system"] = request.system;
  njson messages = njson::array();
  for (const ModelMessage& m : request.messages) {
    const char* role = m.role == ModelMessage::Role::assistant ? "assistant" : "user";
    messages.push_back({{"role", role}, {"content", reference_anthropic_content(m)}});
  }
  body["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    njson tools = njson::array();
    for (const ToolSpec& t : request.tools)
      tools.push_back({{"name", t.name}, {"description", t.description},
                       {"input_schema", schema_object(t.input_schema)}});
    body["tools"] = std::move(tools);
  }
  return dumped(body);
}

// Text with a bit of everything: plain runs, escapes, control bytes, DEL, valid UTF-8 of every
// length and, when `invalid`, stray or cut-off bytes.
std::string random_text(std::mt19937& rng, bool invalid) {
  static const char* const kPieces[] = {
      "plain words ", "\"", "\\", "\n", "\r\n", "\t", "\b", "\f", "\x01", "\x1f", "\x7f", "/",
      "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xed\x9f\xbf", "{}[]:,"};
  static const char* const kBroken[] = {"\x80", "\xc3", "\xe2\x80", "\xf0\x9f\x98", "\xc0\xaf",
                                        "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\xfe"};
  std::string s;
  int pieces = static_cast<int>(rng() % 40);
  for (int i = 0; i < pieces; ++i) {
    if (invalid && rng() % 10 == 0) s += kBroken[rng() % std::size(kBroken)];
    else s += kPieces[rng() % std::size(kPieces)];
  }
  return s;
}

ModelRequest random_request(std::mt19937& rng, bool invalid) {
  ModelRequest r;
  r.model = rng() % 2 ? "gpt-4o" : random_text(rng, invalid);
  r.max_tokens = static_cast<int>(rng() % 100000);
  if (rng() % 3) r.system = random_text(rng, invalid);
  if (rng() % 2) {
    r.tools.push_back({"Read", random_text(rng, invalid), R"({"type":"object","properties":{"b":1,"a":[true,null,2.5]}})"});
    r.tools.push_back({"Grep", "Searches", rng() % 2 ? "not json" : "{}"});
  }
  int turns = 1 + static_cast<int>(rng() % 3);
  for (int t = 0; t < turns; ++t) {
    ModelMessage user;
    user.text = random_text(rng, invalid);
    if (t > 0)
      user.tool_results.push_back({"call_" + std::to_string(t), random_text(rng, invalid), rng() % 2 == 0});
    r.messages.push_back(user);
    if (t + 1 == turns) break;
    ModelMessage assistant;
    assistant.role = ModelMessage::Role::assistant;
    if (rng() % 2) assistant.text = random_text(rng, invalid);
    assistant.tool_calls.push_back({"call_" + std::to_string(t + 1), "Read",
                                    rng() % 3 ? R"({"z":1,"file_path":"a\u00e9.txt"})" : random_text(rng, invalid)});
    r.messages.push_back(assistant);
  }
  return r;
}

}  // namespace

TEST_CASE("a JSON string is written as nlohmann/json writes it, for every one- and two-byte text") {
  for (int a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    REQUIRE(fast_text(one) == nlohmann_text(one));
    for (int b = 0; b < 256; ++b) {
      std::string two = one + static_cast<char>(b);
      REQUIRE(fast_text(two) == nlohmann_text(two));
    }
  }
}

TEST_CASE("a JSON string is written as nlohmann/json writes it, at every UTF-8 boundary") {
  // Every lead byte of three- and four-byte forms with every second byte, then well-formed
  // and ill-formed continuations: the overlong, surrogate and out-of-range edges.
  for (int lead = 0xE0; lead <= 0xFF; ++lead)
    for (int second = 0; second < 256; ++second)
      for (const char* rest : {"\x80", "\xbf", "\x80\x80", "\xbf\xbf", "a", "\xc0", "\x80z"}) {
        std::string s = std::string("x") + static_cast<char>(lead) + static_cast<char>(second) + rest;
        REQUIRE(fast_text(s) == nlohmann_text(s));
        REQUIRE(fast_text(s + "\"end\n") == nlohmann_text(s + "\"end\n"));
      }
}

TEST_CASE("a byte that is not plain is found at every place in a long plain run") {
  // Plain runs are scanned eight bytes at a time: each byte value at each place of a word.
  for (int c = 0; c < 256; ++c)
    for (size_t at = 0; at < 19; ++at) {
      std::string s = "abcdefghijklmnopqrs";
      s[at] = static_cast<char>(c);
      REQUIRE(fast_text(s) == nlohmann_text(s));
    }
}

TEST_CASE("random texts, valid and invalid UTF-8, are written as nlohmann/json writes them") {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string s = random_text(rng, i % 2 == 1);
    REQUIRE(fast_text(s) == nlohmann_text(s));
  }
  std::string big(100000, 'a');  // a long plain run, then an escape at its very end
  big.back() = '\n';
  CHECK(fast_text(big) == nlohmann_text(big));
}

TEST_CASE("request bodies are byte for byte what dumping the same JSON with nlohmann/json gives") {
  std::mt19937 rng(11);
  for (int i = 0; i < 3000; ++i) {
    ModelRequest r = random_request(rng, i % 3 == 2);
    REQUIRE(openai_request_body(r) == reference_openai_body(r));
    REQUIRE(anthropic_request_body(r) == reference_anthropic_body(r));
  }
  ModelRequest bare;  // no system prompt, no tools, one empty user message
  bare.messages.push_back({});
  CHECK(openai_request_body(bare) == reference_openai_body(bare));
  CHECK(anthropic_request_body(bare) == reference_anthropic_body(bare));
  ModelRequest calls_only;  // an assistant turn with tool calls and no text: content null
  calls_only.messages.push_back({});
  calls_only.messages.push_back({ModelMessage::Role::assistant, "", {{"c1", "Read", "{}"}}, {}});
  calls_only.messages.push_back({ModelMessage::Role::user, "", {}, {{"c1", "x", false}}});
  CHECK(openai_request_body(calls_only) == reference_openai_body(calls_only));
  CHECK(anthropic_request_body(calls_only) == reference_anthropic_body(calls_only));
  CHECK(openai_request_body(calls_only).find("\"content\":null") != std::string::npos);
}

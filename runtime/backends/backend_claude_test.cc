// The pure parts of the `claude` backend: its command line, permission flags, stream-json
// reading, version check; the write-scope bookkeeping; command placeholders. The real CLI runs
// in tests/runtime/claude_test.py.
#include <catch2/catch.hpp>

#include "runtime/backends/backend_claude.h"
#include "runtime/backends/claude_stream.h"
#include "runtime/processes/write_scope.h"

using namespace flow::rt;

namespace {

AgentRequest writer() {
  AgentRequest r;
  r.agent = "writer";
  r.model = "sonnet";
  r.tools = std::vector<std::string>{"Read", "Write", "Edit", "Bash"};
  r.writes = {"src/**", "docs/*.md"};
  return r;
}

std::vector<std::string> args_of(const AgentRequest& r) {
  std::vector<std::string> args;
  std::string err;
  REQUIRE(claude_arguments(r, "sys.md", &args, &err));
  return args;
}

bool has_pair(const std::vector<std::string>& a, const std::string& flag, const std::string& value) {
  for (size_t i = 0; i + 1 < a.size(); ++i)
    if (a[i] == flag && a[i + 1] == value) return true;
  return false;
}

bool has(const std::vector<std::string>& a, const std::string& s) {
  return std::find(a.begin(), a.end(), s) != a.end();
}

}  // namespace

TEST_CASE("a scoped writer may use its writing tools only inside its globs") {
  ClaudePermissions p = claude_permissions(writer());
  REQUIRE(p.tools == std::optional<std::string>("Read,Write,Edit,Bash"));
  CHECK(p.allowed == std::vector<std::string>{"Read", "Bash", "Edit(src/**)", "Edit(docs/*.md)"});
}

TEST_CASE("tools: absent keeps the default set, empty gives none, unscoped writers write anywhere") {
  AgentRequest r = writer();
  r.tools.reset();
  ClaudePermissions p = claude_permissions(r);
  CHECK_FALSE(p.tools.has_value());
  CHECK(p.allowed == std::vector<std::string>{"Edit(src/**)", "Edit(docs/*.md)"});
  r.tools = std::vector<std::string>{};
  r.writes.clear();
  p = claude_permissions(r);
  CHECK(p.tools == std::optional<std::string>(""));
  CHECK(p.allowed.empty());
  r.tools = std::vector<std::string>{"Write", "mcp__db__query"};
  p = claude_permissions(r);
  CHECK(p.tools == std::optional<std::string>("Write"));  // --tools takes built-in tools only
  CHECK(p.allowed == std::vector<std::string>{"Write", "mcp__db__query"});
}

TEST_CASE("mcpServers: inline definitions become --mcp-config, named servers keep the user's") {
  CHECK(mcp_config("").servers.empty());
  McpConfig inline_only = mcp_config(R"([{"db":{"command":"db-mcp"}}])");
  CHECK(inline_only.servers == R"({"mcpServers":{"db":{"command":"db-mcp"}}})");
  CHECK(inline_only.strict);
  McpConfig mixed = mcp_config(R"(["slack",{"db":{"command":"db-mcp"}}])");
  CHECK(mixed.servers == R"({"mcpServers":{"db":{"command":"db-mcp"}}})");
  CHECK_FALSE(mixed.strict);
  McpConfig names = mcp_config(R"(["slack","github"])");
  CHECK(names.servers.empty());
  CHECK_FALSE(names.strict);
  CHECK(mcp_config(R"({"db":{"command":"db-mcp"}})").strict);
}

TEST_CASE("the command line: model only when real, prompts off, stream-json") {
  AgentRequest r = writer();
  r.max_turns = 7;
  r.disallowed_tools = {"WebFetch"};
  r.mcp_servers = R"([{"db":{"command":"db-mcp"}}])";
  std::vector<std::string> a = args_of(r);
  CHECK(a[0] == "-p");
  CHECK(has_pair(a, "--output-format", "stream-json"));
  CHECK(has(a, "--verbose"));
  CHECK(has_pair(a, "--model", "sonnet"));
  CHECK(has_pair(a, "--system-prompt-file", "sys.md"));
  CHECK(has_pair(a, "--permission-prompts", "none"));
  CHECK(has_pair(a, "--max-turns", "7"));
  CHECK(has_pair(a, "--disallowedTools", "WebFetch"));
  CHECK(has_pair(a, "--mcp-config", R"({"mcpServers":{"db":{"command":"db-mcp"}}})"));
  CHECK(has(a, "--strict-mcp-config"));
  for (const char* model : {"", "inherit"}) {
    r.model = model;
    CHECK_FALSE(has(args_of(r), "--model"));
  }
}

TEST_CASE("acceptEdits with a write scope is refused, without one it is passed on") {
  AgentRequest r = writer();
  r.permission_mode = "acceptEdits";
  std::vector<std::string> args;
  std::string err;
  CHECK_FALSE(claude_arguments(r, "sys.md", &args, &err));
  CHECK(err.find("permissionMode acceptEdits") != std::string::npos);
  r.writes.clear();
  CHECK(has_pair(args_of(r), "--permission-mode", "acceptEdits"));
}

TEST_CASE("the result event gives the answer, cost, tokens and refusals") {
  std::string out =
      R"({"type":"system","subtype":"init","session_id":"s1"})" "\n"
      R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi"}]}})" "\n"
      R"({"type":"result","subtype":"success","is_error":false,"result":"done\nVERDICT: PASS","session_id":"s1",)"
      R"("total_cost_usd":0.25,"num_turns":3,"usage":{"input_tokens":10,"output_tokens":20,)"
      R"("cache_read_input_tokens":30,"cache_creation_input_tokens":40},"permission_denials":)"
      R"([{"tool_name":"Write","tool_use_id":"t","tool_input":{"file_path":"/x/y.txt"}}]})" "\n";
  ClaudeResult r = parse_claude_stream(out);
  REQUIRE(r.found);
  CHECK(r.text == "done\nVERDICT: PASS");
  CHECK(r.subtype == "success");
  CHECK_FALSE(r.is_error);
  CHECK(r.usage.known);
  CHECK(r.usage.cost_usd == 0.25);
  CHECK(r.usage.num_turns == 3);
  CHECK(r.usage.input_tokens == 10);
  CHECK(r.usage.output_tokens == 20);
  CHECK(r.usage.cache_read_tokens == 30);
  CHECK(r.usage.cache_creation_tokens == 40);
  CHECK(r.usage.session_id == "s1");
  REQUIRE(r.denials.size() == 1);
  CHECK(r.denials[0].tool == "Write");
  CHECK(r.denials[0].target == "/x/y.txt");
  CHECK_FALSE(parse_claude_stream("not json\n{\"type\":\"system\"}").found);
  ClaudeResult cut = parse_claude_stream(R"({"type":"result","subtype":"error_max_turns","is_error":true)");
  CHECK_FALSE(cut.found);  // a torn last line is no result
}

TEST_CASE("claude versions compare numerically") {
  CHECK(parse_claude_version("2.1.330 (Claude Code)") == std::vector<int>{2, 1, 330});
  CHECK(parse_claude_version("1.0.9\n") == std::vector<int>{1, 0, 9});
  CHECK(parse_claude_version("Claude Code").empty());
  CHECK(parse_claude_version("").empty());
}

TEST_CASE("changed files outside the union of running scopes are found") {
  TreeSnapshot before{{"src/a.cc", {1, 1, 1, 1, 0}}, {"README", {1, 1, 1, 2, 0}}};
  TreeSnapshot after = before;
  after["src/a.cc"].mtime_ns = 2;
  after["src/new.cc"] = {1, 1, 1, 3, 0};
  after["notes.txt"] = {1, 1, 1, 4, 0};
  after.erase("README");
  std::vector<std::string> changed = changed_files(before, after);
  CHECK(changed == std::vector<std::string>{"README", "notes.txt", "src/a.cc", "src/new.cc"});
  CHECK(outside_scope(changed, WriteScope{false, {"src/**"}}) ==
        std::vector<std::string>{"README", "notes.txt"});
  CHECK(outside_scope(changed, WriteScope{true, {}}).empty());

  ScopeTracker t;
  int a = t.begin(WriteScope{false, {"src/**"}});
  int b = t.begin(WriteScope{false, {"docs/**"}});
  WriteScope sb = t.end(b);
  int c = t.begin(WriteScope{false, {"other/**"}});
  WriteScope sa = t.end(a);
  WriteScope sc = t.end(c);
  CHECK(sa.globs == std::vector<std::string>{"src/**", "docs/**", "other/**"});
  CHECK(sb.globs == std::vector<std::string>{"docs/**", "src/**"});
  CHECK(sc.globs == std::vector<std::string>{"other/**", "src/**"});
  CHECK(agent_write_scope(true, {"Read", "Grep"}, {"src/**"}).globs.empty());
  CHECK_FALSE(agent_write_scope(true, {"Read"}, {}).anywhere);
  CHECK(agent_write_scope(true, {"Bash"}, {}).anywhere);
  CHECK(agent_write_scope(false, {}, {}).anywhere);
}

TEST_CASE("unknown placeholders in a command are found") {
  CHECK(unknown_placeholder("--model={model}") == "");
  CHECK(unknown_placeholder("{system_prompt_file}") == "");
  CHECK(unknown_placeholder("{modle}") == "{modle}");
  CHECK(unknown_placeholder(R"({"a": 1})") == "");  // JSON is no placeholder
  CHECK(unknown_placeholder("{}") == "");
}

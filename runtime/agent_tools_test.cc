// The built-in tools with real files, directories, symlinks and processes in scratch
// directories.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/agent_tools.h"
#include "runtime/testing.h"
#include "runtime/tool_paths.h"

using namespace flow::rt;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

ToolEnv env_in(const std::string& dir, WriteScope scope = {true, {}}) {
  ToolEnv env;
  env.work_dir = dir;
  env.scope = scope;
  return env;
}

ToolOutcome call(const ToolEnv& env, const std::string& tool, const json& input) {
  return run_builtin_tool(env, tool, input.dump());
}

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string get(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// nlohmann's dump() throws on invalid UTF-8: what the backends would send the model.
bool valid_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace

TEST_CASE("built-in tool specs come in the order asked, unknown names skipped") {
  auto specs = builtin_tool_specs({"Bash", "Nope", "Read"});
  REQUIRE(specs.size() == 2);
  CHECK(specs[0].name == "Bash");
  CHECK(specs[1].name == "Read");
  CHECK(is_builtin_tool("Grep"));
  CHECK_FALSE(is_builtin_tool("MultiEdit"));
}

TEST_CASE("every built-in tool's input schema is a JSON object schema naming its fields") {
  auto specs = builtin_tool_specs({"Read", "Write", "Edit", "Glob", "Grep", "Bash"});
  REQUIRE(specs.size() == 6);
  for (const ToolSpec& s : specs) {
    INFO(s.name);
    auto schema = json::parse(s.input_schema, nullptr, false);
    REQUIRE(schema.is_object());
    CHECK(schema["type"] == "object");
    CHECK(schema["required"].is_array());
    CHECK(!s.description.empty());
  }
  auto read = json::parse(specs[0].input_schema);
  CHECK(read["properties"].contains("file_path"));
  CHECK(read["properties"].contains("offset"));
  CHECK(read["properties"].contains("limit"));
  auto grep = json::parse(specs[4].input_schema);
  CHECK(grep["properties"].contains("-i"));
  CHECK(grep["properties"]["output_mode"]["enum"].size() == 3);
}

TEST_CASE("Read numbers lines like cat -n and windows them with offset and limit") {
  testing::TempDir dir;
  put(dir.path + "/a.txt", "one\ntwo\nthree\nfour\n");
  ToolEnv env = env_in(dir.path);
  ToolOutcome all = call(env, "Read", {{"file_path", "a.txt"}});
  CHECK_FALSE(all.is_error);
  CHECK(all.content == "     1\tone\n     2\ttwo\n     3\tthree\n     4\tfour\n");
  ToolOutcome mid = call(env, "Read", {{"file_path", dir.path + "/a.txt"}, {"offset", 2}, {"limit", 2}});
  CHECK(mid.content == "     2\ttwo\n     3\tthree\n[more lines follow; continue with offset 4]\n");
  ToolOutcome past = call(env, "Read", {{"file_path", "a.txt"}, {"offset", 9}});
  CHECK(past.is_error);
  CHECK(past.content.find("has 4 lines") != std::string::npos);
  put(dir.path + "/empty", "");
  CHECK(call(env, "Read", {{"file_path", "empty"}}).content == "empty is empty");
}

TEST_CASE("Read refuses binary files, directories and missing files, and repairs bad UTF-8") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  put(dir.path + "/bin", std::string("a\0b", 3));
  put(dir.path + "/latin1", "caf\xe9\n");
  fs::create_directory(dir.path + "/sub");
  ToolOutcome bin = call(env, "Read", {{"file_path", "bin"}});
  CHECK(bin.is_error);
  CHECK(bin.content.find("binary") != std::string::npos);
  ToolOutcome sub = call(env, "Read", {{"file_path", "sub"}});
  CHECK(sub.is_error);
  CHECK(sub.content.find("is a directory") != std::string::npos);
  ToolOutcome none = call(env, "Read", {{"file_path", "nope.txt"}});
  CHECK(none.is_error);
  CHECK(none.content.find("no such file") != std::string::npos);
  ToolOutcome latin = call(env, "Read", {{"file_path", "latin1"}});
  CHECK(latin.content == "     1\tcaf\xEF\xBF\xBD\n");
  CHECK_FALSE(valid_utf8(get(dir.path + "/latin1")));
  CHECK(valid_utf8(latin.content));
}

TEST_CASE("Read cuts long lines and caps its output, saying where to continue") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  put(dir.path + "/long", std::string(5000, 'x') + "\nshort\n");
  ToolOutcome one = call(env, "Read", {{"file_path", "long"}});
  CHECK(one.content.find(std::string(2000, 'x') + " [line cut at 2000 bytes]\n") != std::string::npos);
  CHECK(one.content.find(std::string(2001, 'x')) == std::string::npos);
  std::string big;
  for (int i = 0; i < 2000; ++i) big += std::string(199, 'y') + "\n";  // 400 KB
  put(dir.path + "/big", big);
  ToolOutcome capped = call(env, "Read", {{"file_path", "big"}});
  CHECK_FALSE(capped.is_error);
  CHECK(capped.content.size() <= 100 * 1024 + 100);
  CHECK(capped.content.find("[output cut at 100 KiB; continue with offset") != std::string::npos);
}

TEST_CASE("Write creates files and directories and replaces existing files") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  ToolOutcome made = call(env, "Write", {{"file_path", "new/deep/f.txt"}, {"content", "hello\n"}});
  CHECK_FALSE(made.is_error);
  CHECK(made.content == "Created new/deep/f.txt (6 bytes)");
  CHECK(get(dir.path + "/new/deep/f.txt") == "hello\n");
  ToolOutcome again = call(env, "Write", {{"file_path", dir.path + "/new/deep/f.txt"}, {"content", "hi"}});
  CHECK(again.content == "Replaced new/deep/f.txt (2 bytes)");
  CHECK(get(dir.path + "/new/deep/f.txt") == "hi");
  ToolOutcome on_dir = call(env, "Write", {{"file_path", "new"}, {"content", "x"}});
  CHECK(on_dir.is_error);
  CHECK(fs::is_directory(dir.path + "/new"));
}

// The built-in tools with real files, directories, symlinks and processes in a scratch
// directory.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/agent_tools.h"

using namespace flow::rt;

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
    auto schema = nlohmann::json::parse(s.input_schema, nullptr, false);
    REQUIRE(schema.is_object());
    CHECK(schema["type"] == "object");
    CHECK(schema["required"].is_array());
    CHECK(!s.description.empty());
  }
  auto read = nlohmann::json::parse(specs[0].input_schema);
  CHECK(read["properties"].contains("file_path"));
  CHECK(read["properties"].contains("offset"));
  CHECK(read["properties"].contains("limit"));
  auto grep = nlohmann::json::parse(specs[4].input_schema);
  CHECK(grep["properties"].contains("-i"));
  CHECK(grep["properties"]["output_mode"]["enum"].size() == 3);
}

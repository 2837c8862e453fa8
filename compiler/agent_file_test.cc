#include "compiler/agent_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

namespace {

struct Loaded {
  flow::SourceMap sources;
  std::vector<flow::Diagnostic> diags;
  std::optional<flow::AgentFile> agent;
};

std::unique_ptr<Loaded> load(const std::string& text) {
  auto l = std::make_unique<Loaded>();
  uint32_t id = l->sources.add("agents/x.md", text);
  l->agent = flow::parse_agent_file(l->sources, id, l->diags);
  return l;
}

}  // namespace

TEST_CASE("a plain subagent file loads its fields and prompt") {
  auto l = load(
      "---\n"
      "name: code-review\n"
      "description: Reviews code\n"
      "tools: Read, Grep,Glob\n"
      "model: sonnet\n"
      "maxTurns: 5\n"
      "---\n"
      "\n"
      "You review code.\n"
      "Be brief.\n\n");
  REQUIRE(l->agent);
  CHECK(l->diags.empty());
  CHECK(l->agent->name == "code-review");
  CHECK(l->agent->description == "Reviews code");
  CHECK(l->agent->tools == std::vector<std::string>{"Read", "Grep", "Glob"});
  CHECK(l->agent->model == "sonnet");
  CHECK(l->agent->max_turns == 5);
  CHECK(l->agent->prompt == "You review code.\nBe brief.");
}

TEST_CASE("tools may be a YAML list, every documented field is kept") {
  auto l = load(
      "---\n"
      "name: x\n"
      "description: \"quoted: fine\"\n"
      "tools:\n  - Read\n  - Write\n"
      "disallowedTools: [Bash]\n"
      "model: claude-sonnet-4-5-20250929\n"
      "permissionMode: acceptEdits\n"
      "maxTurns: 12\n"
      "skills: [a, b]\n"
      "mcpServers:\n  - github\n  - playwright:\n      type: stdio\n      command: npx\n"
      "      args: [\"-y\", \"@playwright/mcp\"]\n      timeout: 30\n      debug: false\n"
      "hooks:\n  PreToolUse:\n    - matcher: Bash\n      hooks:\n        - type: command\n"
      "          command: ./check.sh\n"
      "memory: project\n"
      "background: true\n"
      "effort: high\n"
      "isolation: worktree\n"
      "color: red\n"
      "initialPrompt: Start with the tests.\n"
      "---\n"
      "Body\n");
  REQUIRE(l->agent);
  CHECK(l->diags.empty());
  const flow::AgentFile& a = *l->agent;
  CHECK(a.tools == std::vector<std::string>{"Read", "Write"});
  CHECK(a.disallowed_tools == std::vector<std::string>{"Bash"});
  CHECK(a.model == "claude-sonnet-4-5-20250929");
  CHECK(a.description == "quoted: fine");
  CHECK(a.permission_mode == "acceptEdits");
  CHECK(a.max_turns == 12);
  CHECK(a.skills == std::vector<std::string>{"a", "b"});
  // Keys sorted, plain scalars typed, quoted ones strings.
  CHECK(a.mcp_servers ==
        R"(["github",{"playwright":{"args":["-y","@playwright/mcp"],"command":"npx",)"
        R"("debug":false,"timeout":30,"type":"stdio"}}])");
  CHECK(a.hooks ==
        R"({"PreToolUse":[{"hooks":[{"command":"./check.sh","type":"command"}],"matcher":"Bash"}]})");
  CHECK(a.memory == "project");
  CHECK(a.background);
  CHECK(a.effort == "high");
  CHECK(a.isolation == "worktree");
  CHECK(a.color == "red");
  CHECK(a.initial_prompt == "Start with the tests.");
}

TEST_CASE("no tools field and an empty tools field are different") {
  auto absent = load("---\nname: x\ndescription: d\n---\nBody\n");
  REQUIRE(absent->agent);
  CHECK_FALSE(absent->agent->tools.has_value());
  CHECK(absent->agent->permission_mode.empty());
  CHECK(absent->agent->max_turns == 0);
  CHECK(absent->agent->mcp_servers.empty());
  CHECK_FALSE(absent->agent->background);

  for (const char* empty : {"tools: []", "tools: \"\""}) {
    auto l = load(std::string("---\nname: x\ndescription: d\n") + empty + "\n---\nBody\n");
    INFO(empty);
    REQUIRE(l->agent);
    REQUIRE(l->agent->tools.has_value());
    CHECK(l->agent->tools->empty());
  }
}

TEST_CASE("a value outside a field's choices is an error at the value, with a suggestion") {
  auto l = load("---\nname: x\ndescription: d\npermissionMode: acceptEdit\nmemory: team\n"
                "isolation: container\neffort: highest\n---\n");
  CHECK_FALSE(l->agent);
  REQUIRE(l->diags.size() == 4);
  for (const auto& d : l->diags) CHECK(d.code == "E0116");
  CHECK(l->diags[0].message == "`acceptEdit` is not a value of agent file field `permissionMode`");
  CHECK(l->diags[0].span.begin.line == 4);
  CHECK(l->diags[0].span.begin.col == 17);
  CHECK(l->diags[0].help == "did you mean `acceptEdits`?");
  CHECK(l->diags[1].help == "write one of: user, project, local");
  CHECK(l->diags[2].message == "`container` is not a value of agent file field `isolation`");
  CHECK(l->diags[3].span.begin.line == 7);
}

TEST_CASE("mcpServers must be a list and hooks a map") {
  auto l = load("---\nname: x\ndescription: d\nmcpServers:\n  github:\n    command: gh\n"
                "hooks: [a]\nskills: {a: b}\n---\n");
  CHECK_FALSE(l->agent);
  REQUIRE(l->diags.size() == 3);
  CHECK(l->diags[0].code == "E0114");
  CHECK(l->diags[0].message ==
        "agent file field `mcpServers` must be a list of server names or `name: config` entries");
  CHECK(l->diags[0].span.begin.line == 4);
  CHECK(l->diags[1].message == "agent file field `hooks` must be a map of hook events");
  CHECK(l->diags[2].message ==
        "agent file field `skills` must be a comma-separated string or a list of strings");
}

TEST_CASE("a one-line description holding colons, example tags and \\n escapes loads") {
  // The shape of real files in the wild: not valid YAML (`: ` inside a plain scalar).
  auto l = load(
      "---\n"
      "name: backend-implementer\n"
      "description: Use this agent when you need to implement backend code. Examples: "
      "<example>Context: User wants an endpoint. user: 'Add login' assistant: 'I will use the "
      "backend-implementer agent.' <commentary>Backend work.</commentary></example>\\n\\n"
      "<example>\\nContext: tests # not a comment\\n</example>\n"
      "model: opus\n"
      "color: red\n"
      "---\n"
      "You are a backend engineer.\n");
  REQUIRE(l->agent);
  CHECK(l->diags.empty());
  CHECK(l->agent->name == "backend-implementer");
  CHECK(l->agent->description.rfind("Use this agent when", 0) == 0);
  CHECK(l->agent->description.find("user: 'Add login' assistant:") != std::string::npos);
  CHECK(l->agent->description.find("# not a comment\\n</example>") != std::string::npos);
  CHECK(l->agent->model == "opus");
}

TEST_CASE("an unknown field is a warning at its line, not silently dropped") {
  auto l = load("---\nname: x\ndescription: d\ntemperature: 0.2\n---\nBody\n");
  REQUIRE(l->agent);
  REQUIRE(l->diags.size() == 1);
  CHECK(l->diags[0].severity == flow::Severity::Warning);
  CHECK(l->diags[0].code == "W0110");
  CHECK(l->diags[0].message == "unknown field `temperature` in agent file; it is ignored");
  CHECK(l->diags[0].span.begin.line == 4);
  CHECK(l->diags[0].span.begin.col == 1);
}

TEST_CASE("a misspelt field gets a suggestion, initialPrompt is a known field") {
  auto l = load("---\nname: x\ndescription: d\ndisalowedTools: Bash\ninitialPrompt: Go\n---\n");
  REQUIRE(l->agent);
  REQUIRE(l->diags.size() == 1);
  CHECK(l->diags[0].code == "W0110");
  CHECK(l->diags[0].help == "did you mean `disallowedTools`?");
  CHECK(l->agent->initial_prompt == "Go");
}

TEST_CASE("malformed YAML is an error pointing at the agent file's own line") {
  auto l = load("---\nname: x\ndescription: d\ntools: [Read, Grep\nmodel: opus\n---\nBody\n");
  CHECK_FALSE(l->agent);
  REQUIRE(l->diags.size() == 1);
  CHECK(l->diags[0].code == "E0112");
  CHECK(l->diags[0].message.rfind("malformed YAML in agent frontmatter: ", 0) == 0);
  CHECK(l->diags[0].span.file == 1);
  CHECK(l->diags[0].span.begin.line >= 4);
}

TEST_CASE("missing frontmatter, an unclosed one and missing fields are errors") {
  auto none = load("You are an agent.\n");
  REQUIRE(none->diags.size() == 1);
  CHECK(none->diags[0].code == "E0111");
  CHECK(none->diags[0].message == "agent file does not start with a `---` line");

  auto open = load("---\nname: x\ndescription: d\n");
  REQUIRE(open->diags.size() == 1);
  CHECK(open->diags[0].message == "agent frontmatter is never closed by a `---` line");

  auto fields = load("---\nmodel: opus\n---\nBody\n");
  CHECK_FALSE(fields->agent);
  REQUIRE(fields->diags.size() == 2);
  CHECK(fields->diags[0].message == "agent file has no `name` field");
  CHECK(fields->diags[1].message == "agent file has no `description` field");
}

TEST_CASE("fields of the wrong shape are errors at the field") {
  auto l = load("---\nname: x\ndescription: d\nmaxTurns: many\ntools: {a: b}\nbackground: maybe\n---\n");
  CHECK_FALSE(l->agent);
  REQUIRE(l->diags.size() == 3);
  CHECK(l->diags[0].message == "agent file field `maxTurns` must be a positive integer");
  CHECK(l->diags[0].span.begin.line == 4);
  CHECK(l->diags[1].message ==
        "agent file field `tools` must be a comma-separated string or a list of strings");
  CHECK(l->diags[2].message == "agent file field `background` must be true or false");
}

TEST_CASE("CRLF line endings and a byte order mark are tolerated") {
  auto l = load("\xEF\xBB\xBF---\r\nname: x\r\ndescription: d\r\n---\r\nBody\r\n");
  REQUIRE(l->agent);
  CHECK(l->agent->name == "x");
  CHECK(l->agent->prompt == "Body");
}

TEST_CASE("every agent file of the standard library loads cleanly") {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(FLOW_SOURCE_DIR) / "stdlib" / "agents";
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".md") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto l = load(ss.str());
    INFO(entry.path().string());
    CHECK(l->agent);
    CHECK(l->diags.empty());
    ++count;
  }
  CHECK(count > 0);
}

TEST_CASE("split_tool_list trims and drops empty pieces") {
  CHECK(flow::split_tool_list(" Read ,, Write,") == std::vector<std::string>{"Read", "Write"});
  CHECK(flow::split_tool_list("").empty());
}

TEST_CASE("split_tool_list splits only at top-level commas") {
  CHECK(flow::split_tool_list("Read, Agent(worker, researcher)") ==
        std::vector<std::string>{"Read", "Agent(worker, researcher)"});
  CHECK(flow::split_tool_list("Bash(git log:*), Bash(npm run test:*),Edit") ==
        std::vector<std::string>{"Bash(git log:*)", "Bash(npm run test:*)", "Edit"});
  CHECK(flow::split_tool_list("mcp__github__create_issue, Read") ==
        std::vector<std::string>{"mcp__github__create_issue", "Read"});
  // Nested and unbalanced parentheses: a stray `)` does not end the entry early, and an
  // unclosed `(` keeps the rest of the text in one entry rather than dropping it.
  CHECK(flow::split_tool_list("Bash(echo (a, b)), Read") ==
        std::vector<std::string>{"Bash(echo (a, b))", "Read"});
  CHECK(flow::split_tool_list("Read), Grep") == std::vector<std::string>{"Read)", "Grep"});
  CHECK(flow::split_tool_list("Agent(a, b") == std::vector<std::string>{"Agent(a, b"});
}

TEST_CASE("a YAML flow list split inside parentheses is joined back") {
  auto l = load("---\nname: x\ndescription: d\n"
                "tools: [Read, Agent(worker, researcher), Bash(git log:*)]\n---\nBody\n");
  REQUIRE(l->agent);
  REQUIRE(l->agent->tools);
  CHECK(*l->agent->tools ==
        std::vector<std::string>{"Read", "Agent(worker, researcher)", "Bash(git log:*)"});
}

TEST_CASE("a tools line with arguments keeps each entry whole") {
  auto l = load("---\nname: x\ndescription: d\ntools: Read, Agent(worker, researcher), "
                "Bash(git log:*)\n---\nBody\n");
  REQUIRE(l->agent);
  CHECK(l->diags.empty());
  REQUIRE(l->agent->tools);
  CHECK(*l->agent->tools ==
        std::vector<std::string>{"Read", "Agent(worker, researcher)", "Bash(git log:*)"});
}

TEST_CASE("a quoted value that runs into the next field is an error at its opening quote") {
  // YAML itself accepts this: the description would swallow `tools`, and the agent would
  // silently hold every tool.
  auto l = load(
      "---\n"
      "name: reviewer\n"
      "description: \"Reviews code\n"
      "tools: Read, Grep\"\n"
      "---\n"
      "Review.\n");
  CHECK_FALSE(l->agent);
  REQUIRE(l->diags.size() == 1);
  CHECK(l->diags[0].code == "E0112");
  CHECK(l->diags[0].span.begin.line == 3);
  CHECK(l->diags[0].span.begin.col == 14);
  CHECK(l->diags[0].message ==
        "the quoted value of `description` is not closed before the next field `tools`");
  REQUIRE(l->diags[0].secondary.size() == 1);
  CHECK(l->diags[0].secondary[0].span.begin.line == 4);
}

TEST_CASE("single quotes, and a quote never closed, are caught the same way") {
  auto single = load("---\nname: x\ndescription: 'It''s fine\nmodel: sonnet'\n---\n");
  REQUIRE(single->diags.size() == 1);
  CHECK(single->diags[0].code == "E0112");
  CHECK(single->diags[0].span.begin.line == 3);
  CHECK(single->diags[0].help.find("`'`") != std::string::npos);

  auto never = load("---\nname: x\ndescription: \"Reviews\n---\n");
  REQUIRE(never->diags.size() == 1);
  CHECK(never->diags[0].code == "E0112");
  CHECK(never->diags[0].message == "the quoted value of `description` is never closed");
}

TEST_CASE("a quoted value may still span lines that are not fields") {
  auto l = load(
      "---\n"
      "name: x\n"
      "description: \"Reviews code,\n"
      "  then reports: what it found\"\n"
      "tools: 'Read, Grep'\n"
      "---\n");
  REQUIRE(l->agent);
  CHECK(l->diags.empty());
  CHECK(l->agent->description == "Reviews code, then reports: what it found");
  CHECK(l->agent->tools == std::vector<std::string>{"Read", "Grep"});
}

TEST_CASE("in a directory, files that are not agent files are skipped with a reason") {
  flow::SourceMap sources;
  std::vector<flow::Diagnostic> diags;
  std::string why;
  uint32_t readme = sources.add("agents/README.md", "# Agents\n\nCopy them.\n");
  CHECK_FALSE(flow::parse_agent_file(sources, readme, diags, &why));
  CHECK(why == "no frontmatter");
  why.clear();
  uint32_t page = sources.add("agents/page.md", "---\ntitle: Notes\nlayout: x\n---\nText\n");
  CHECK_FALSE(flow::parse_agent_file(sources, page, diags, &why));
  CHECK(why == "no `name` field");
  CHECK(diags.empty());  // not even W0110 for `title`
  // A file with a name is an agent file: its problems are errors, not a reason to skip it.
  why.clear();
  uint32_t broken = sources.add("agents/broken.md", "---\nname: x\n---\n");
  CHECK_FALSE(flow::parse_agent_file(sources, broken, diags, &why));
  CHECK(why.empty());
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].code == "E0113");
}

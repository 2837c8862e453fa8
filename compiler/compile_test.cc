#include "compiler/compile.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "ir/ir_json.h"
#include "compiler/test_util.h"

namespace fs = std::filesystem;
using flow::testing::codes;

namespace {

// A scratch directory of files, removed at the end of the test.
struct TempDir {
  fs::path root;
  TempDir() {
    root = fs::temp_directory_path() / ("flowc-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::create_directories(root);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::string write(const std::string& rel, const std::string& text) const {
    fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

flow::CompileOptions opts(const std::string& stdlib, std::vector<std::string> path = {}) {
  flow::CompileOptions o;
  o.stdlib_dir = stdlib;
  o.search_path = std::move(path);
  return o;
}

const char* kAgent = "---\nname: helper\ndescription: Helps\ntools: Read, Write\n---\nHelp.\n";

}  // namespace

TEST_CASE("imports: relative files, std/ modules and FLOW_PATH, each inlined once") {
  TempDir t;
  t.write("std/review.flow", "agent critic < description \"c\"; role reviewer; tools Read >\n");
  t.write("lib/team/common.flow", "use std/review\nagent helper from \"agents/h.md\"\n");
  t.write("lib/team/agents/h.md", kAgent);
  t.write("main/shared.flow", "use std/review\ninput topic: text = \"x\"\n");
  std::string main = t.write("main/main.flow",
                             "flow demo \"A demo\"\n"
                             "use \"shared.flow\"\nuse team/common\n"
                             "stage s helper review critic\n");
  flow::CompileResult r = flow::compile_file(main, opts((t.root / "std").string(),
                                                         {(t.root / "lib").string()}));
  INFO(codes(r.diagnostics));
  REQUIRE(r.flow);
  CHECK(r.diagnostics.empty());
  CHECK(r.flow->name == "demo");
  CHECK(r.flow->agents.size() == 2);
  CHECK(r.flow->inputs.size() == 1);
  const flow::ir::Agent* helper = r.flow->find_agent("helper");
  REQUIRE(helper);
  CHECK(helper->prompt == "Help.");
  CHECK(helper->tools == std::vector<std::string>{"Read", "Write"});
  CHECK(helper->source == (t.root / "lib/team/agents/h.md").string());
}

TEST_CASE("an import that cannot be found, and an import cycle, are errors") {
  TempDir t;
  std::string missing = t.write("a.flow", "use std/nothing\nuse \"gone.flow\"\n");
  flow::CompileResult r = flow::compile_file(missing, opts((t.root / "std").string()));
  REQUIRE(codes(r.diagnostics) == "E0100 E0100");
  CHECK(r.diagnostics[0].message == "cannot find the import `std/nothing`");
  CHECK(r.diagnostics[1].help == "a quoted path is relative to the importing file");
  // FLOW_PATH is not searched for `std/`: the help lists the modules the library has.
  t.write("std/plan.flow", "\n");
  t.write("std/backend.flow", "\n");
  flow::CompileResult r2 = flow::compile_file(missing, opts((t.root / "std").string()));
  REQUIRE(codes(r2.diagnostics) == "E0100 E0100");
  CHECK(r2.diagnostics[0].help ==
        "the standard library has `std/backend` and `std/plan` (FLOW_PATH is not searched for "
        "`std/` modules)");

  t.write("b.flow", "use \"c.flow\"\n");
  t.write("c.flow", "use \"b.flow\"\n");
  flow::CompileResult cyc = flow::compile_file((t.root / "b.flow").string(), opts(""));
  REQUIRE(codes(cyc.diagnostics) == "E0106");
  CHECK(cyc.diagnostics[0].notes.at(0) ==
        "the cycle: " + (t.root / "b.flow").string() + " -> " + (t.root / "c.flow").string() +
            " -> " + (t.root / "b.flow").string());
}

TEST_CASE("agents from a directory are named by their frontmatter, in name order") {
  TempDir t;
  t.write("agents/z.md", "---\nname: zed\ndescription: z\n---\nZ\n");
  t.write("agents/a.md", "---\nname: alpha\ndescription: a\n---\nA\n");
  t.write("agents/notes.txt", "not an agent");
  std::string main = t.write("f.flow", "agents from \"agents/\"\nstage s < alpha; zed >\n");
  flow::CompileResult r = flow::compile_file(main, opts(""));
  REQUIRE(r.flow);
  REQUIRE(r.flow->agents.size() == 2);
  CHECK(r.flow->agents[0].name == "alpha");
  CHECK(r.flow->agents[1].name == "zed");
}

TEST_CASE("diagnostics in an agent file are reported where the flow names it, pointing into the file") {
  TempDir t;
  t.write("bad.md", "---\nname: x\ndescription: d\ntools: [Read\n---\n");
  std::string main = t.write("f.flow", "agent x from \"bad.md\"\nstage s x\n");
  flow::CompileResult r = flow::compile_file(main, opts(""));
  REQUIRE(codes(r.diagnostics) == "E0112");
  const flow::Diagnostic& d = r.diagnostics[0];
  CHECK(r.sources.file(d.span.file).path == main);
  CHECK(d.span.begin.col == 14);  // the `from` string
  REQUIRE_FALSE(d.secondary.empty());
  CHECK(r.sources.file(d.secondary[0].span.file).path == (t.root / "bad.md").string());
  CHECK_FALSE(r.flow);
  // The language server publishes it in the agent file itself.
  flow::CompileOptions in_place = opts("");
  in_place.primary_in_main_file = false;
  r = flow::compile_file(main, in_place);
  CHECK(r.sources.file(r.diagnostics.at(0).span.file).path == (t.root / "bad.md").string());
}

TEST_CASE("an unreadable main file is an I/O error, not a diagnostic") {
  flow::CompileResult r = flow::compile_file("/nonexistent/dir/x.flow", opts(""));
  CHECK(r.io_error);
  CHECK(r.io_message == "cannot read '/nonexistent/dir/x.flow': no such file or directory");
  CHECK_FALSE(r.flow);
}

TEST_CASE("syntax errors stop compilation before resolution") {
  TempDir t;
  std::string main = t.write("f.flow", "stage s nobody\nstage <\n");
  flow::CompileResult r = flow::compile_file(main, opts(""));
  CHECK_FALSE(r.flow);
  REQUIRE_FALSE(r.diagnostics.empty());
  for (const flow::Diagnostic& d : r.diagnostics) CHECK(d.code < "E0100");
}

TEST_CASE("the IR of the same source is byte-identical from run to run") {
  fs::path src = fs::path(FLOW_SOURCE_DIR) / "stdlib" / "backend.flow";
  flow::CompileOptions o = opts((fs::path(FLOW_SOURCE_DIR) / "stdlib").string());
  flow::CompileResult first = flow::compile_file(src.string(), o);
  flow::CompileResult second = flow::compile_file(src.string(), o);
  INFO(codes(first.diagnostics));
  REQUIRE(first.flow);
  REQUIRE(second.flow);
  std::string a = flow::ir::to_json_text(*first.flow);
  CHECK(a == flow::ir::to_json_text(*second.flow));
  // And it reads back to the same bytes.
  flow::ir::ReadResult back = flow::ir::from_json_text(a);
  REQUIRE(back.ok);
  CHECK(flow::ir::to_json_text(back.flow) == a);
}

TEST_CASE("every agent field survives writing and reading the IR, byte for byte") {
  fs::path src = fs::path(FLOW_SOURCE_DIR) / "tests" / "compiler" / "ok_compile_agent_fields.flow";
  flow::CompileResult c = flow::compile_file(src.string(), opts(""));
  INFO(codes(c.diagnostics));
  REQUIRE(c.flow);
  std::string text = flow::ir::to_json_text(*c.flow);
  flow::ir::ReadResult back = flow::ir::from_json_text(text);
  REQUIRE(back.ok);
  CHECK(flow::ir::to_json_text(back.flow) == text);
  const flow::ir::Agent* t = back.flow.find_agent("tester");
  REQUIRE(t);
  CHECK(t->disallowed_tools == std::vector<std::string>{"WebSearch"});
  CHECK(t->permission_mode == "acceptEdits");
  CHECK(t->max_turns == 30);
  CHECK(t->skills == std::vector<std::string>{"testing"});
  CHECK(t->mcp_servers ==
        R"(["slack",{"github":{"args":["mcp"],"command":"gh","type":"stdio"}}])");
  CHECK(t->hooks == "{}");
  CHECK(t->memory == "project");
  CHECK(t->isolation == "worktree");
  CHECK(t->effort == "high");
  CHECK(t->color == "cyan");
  CHECK(t->initial_prompt == "Start with the failing tests.");
  CHECK_FALSE(t->background);
  CHECK_FALSE(back.flow.find_agent("every-tool")->tools.has_value());
  REQUIRE(back.flow.find_agent("no-tools")->tools.has_value());
  CHECK(back.flow.find_agent("no-tools")->tools->empty());
  CHECK(*back.flow.find_agent("limited")->tools ==
        std::vector<std::string>{"Read", "Bash(git log:*)", "Agent(worker, researcher)"});
}

TEST_CASE("IR of another version, and agent fields of the wrong type, are refused") {
  flow::ir::ReadResult old = flow::ir::from_json_text(R"({"version": 1, "name": "x", "nodes": []})");
  CHECK_FALSE(old.ok);
  CHECK(old.error == "/version: this flow reads IR versions 3 to 4, the file has 1; recompile it "
                     "with flowc compile");
  CHECK_FALSE(flow::ir::from_json_text(R"({"version": 5, "name": "x", "nodes": []})").ok);
  // Version 3 is version 4 without per-item gates: a run recorded by an older release resumes.
  CHECK(flow::ir::from_json_text(R"({"version": 3, "name": "x", "nodes": []})").ok);
  auto agent = [](const std::string& fields) {
    return flow::ir::from_json_text(R"({"version": 3, "name": "x", "nodes": [], "agents": [{"name": "a", )" +
                                    fields + "}]}");
  };
  CHECK(agent(R"("tools": null)").ok);
  CHECK_FALSE(agent(R"("tools": null)").flow.agents[0].tools.has_value());
  CHECK(agent(R"("max_turns": 0)").error == "/agents/0/max_turns: expected a positive integer");
  CHECK(agent(R"("background": "yes")").error == "/agents/0/background: expected true or false");
  CHECK(agent(R"("tools": "Read")").error == "/agents/0/tools: expected an array of strings");
}

TEST_CASE("FLOW_PATH is split on colons, empty entries dropped") {
  ::setenv("FLOW_PATH", "a::b/c:", 1);
  CHECK(flow::flow_path_from_env() == std::vector<std::string>{"a", "b/c"});
  ::unsetenv("FLOW_PATH");
  CHECK(flow::flow_path_from_env().empty());
}

TEST_CASE("FLOW_STDLIB decides where the standard library is") {
  ::setenv("FLOW_STDLIB", "/some/where", 1);
  CHECK(flow::find_stdlib_dir() == "/some/where");
  ::unsetenv("FLOW_STDLIB");
  // Without it, the in-tree stdlib (this build is not installed).
  CHECK(fs::equivalent(flow::find_stdlib_dir(), fs::path(FLOW_SOURCE_DIR) / "stdlib"));
}

TEST_CASE("a main file named std/NAME is the standard library's NAME.flow, as in `use`") {
  TempDir t;
  t.write("std/plan.flow",
          "flow plan \"p\"\nagent a < description \"a\" >\nstage s a\n");
  flow::CompileResult r = flow::compile_file("std/plan", opts((t.root / "std").string()));
  INFO(r.io_message << codes(r.diagnostics));
  REQUIRE(r.flow);
  CHECK(r.flow->name == "plan");
  CHECK(flow::compile_file("std/plan.flow", opts((t.root / "std").string())).flow);

  flow::CompileResult missing = flow::compile_file("std/nothing", opts((t.root / "std").string()));
  CHECK(missing.io_error);
  CHECK(missing.io_message == "no flow `std/nothing` in the standard library (" +
                                  (t.root / "std").string() + "): it has `std/plan`");
}

// The built-in tools with real files, directories, symlinks and processes in scratch
// directories.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/backends/agent_tools.h"
#include "runtime/testing.h"
#include "runtime/tools/tool_paths.h"

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

TEST_CASE("Read and Write refuse a FIFO instead of hanging on it") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  REQUIRE(::mkfifo((dir.path + "/fifo").c_str(), 0600) == 0);
  ToolOutcome r = call(env, "Read", {{"file_path", "fifo"}});
  CHECK(r.is_error);
  CHECK(r.content.find("not a regular file") != std::string::npos);
  CHECK(call(env, "Write", {{"file_path", "fifo"}, {"content", "x"}}).is_error);
  CHECK(call(env, "Edit", {{"file_path", "fifo"}, {"old_string", "a"}, {"new_string", "b"}}).is_error);
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

namespace {

// The confinement cases, run with openat2 and with the fallback a kernel without it uses.
void check_confinement(bool openat2) {
  set_openat2_enabled(openat2);
  testing::TempDir dir, outside;
  put(outside.path + "/secret", "SECRET\n");
  put(dir.path + "/sub/in.txt", "inside\n");
  ToolEnv env = env_in(dir.path);
  auto refused_read = [&](const std::string& path) {
    INFO(path);
    ToolOutcome r = call(env, "Read", {{"file_path", path}});
    CHECK(r.is_error);
    CHECK(r.content.find("SECRET") == std::string::npos);
    CHECK(r.content.find("root:") == std::string::npos);
    return r.content;
  };
  CHECK(refused_read("../../etc/passwd").find("outside the working directory") != std::string::npos);
  CHECK(refused_read("sub/../../" + fs::path(outside.path).filename().string() + "/secret")
            .find("outside the working directory") != std::string::npos);
  CHECK(refused_read("/etc/passwd").find("outside the working directory") != std::string::npos);
  CHECK(refused_read(dir.path + "/../" + fs::path(outside.path).filename().string() + "/secret")
            .find("outside the working directory") != std::string::npos);
  CHECK(refused_read("/proc/self/root/etc/passwd").find("outside") != std::string::npos);
  fs::create_symlink("/", dir.path + "/root");
  CHECK(refused_read("root/etc/passwd").find("outside the working directory") != std::string::npos);
  fs::create_symlink(outside.path, dir.path + "/away");
  CHECK(refused_read("away/secret").find("symbolic link") != std::string::npos);
  fs::create_symlink("../../../../../../../../../../etc/passwd", dir.path + "/climb");
  CHECK(refused_read("climb").find("outside the working directory") != std::string::npos);
  fs::create_symlink("/proc/self/cwd", dir.path + "/magic");
  refused_read("magic/etc/passwd");
  fs::create_symlink("loop2", dir.path + "/loop1");
  fs::create_symlink("loop1", dir.path + "/loop2");
  CHECK(refused_read("loop1").find("too many levels of symbolic links") != std::string::npos);
  // Links that stay inside work: a directory link, relative and absolute, and `..` inside.
  fs::create_symlink("sub", dir.path + "/alias");
  fs::create_symlink(dir.path + "/sub/in.txt", dir.path + "/abs_link");
  for (std::string ok : {"alias/in.txt", "abs_link", "sub/../sub/./in.txt", "alias/../sub/in.txt"}) {
    INFO(ok);
    ToolOutcome r = call(env, "Read", {{"file_path", ok}});
    CHECK_FALSE(r.is_error);
    CHECK(r.content == "     1\tinside\n");
  }
  // Writing through a link that leads outside changes nothing there and creates nothing.
  fs::create_symlink(outside.path + "/secret", dir.path + "/to_secret");
  fs::create_symlink(outside.path + "/planted", dir.path + "/to_new");
  for (std::string p : {"to_secret", "to_new", "away/x", "root/tmp/x", "../x"}) {
    INFO(p);
    ToolOutcome w = call(env, "Write", {{"file_path", p}, {"content", "PWNED"}});
    CHECK(w.is_error);
    CHECK(w.content.find("outside the working directory") != std::string::npos);
  }
  CHECK(get(outside.path + "/secret") == "SECRET\n");
  CHECK_FALSE(fs::exists(outside.path + "/planted"));
  CHECK_FALSE(fs::exists(outside.path + "/x"));
  CHECK(fs::is_symlink(dir.path + "/to_secret"));
  // Through a link inside the tree, the write lands on its target.
  CHECK_FALSE(call(env, "Write", {{"file_path", "alias/w.txt"}, {"content", "w"}}).is_error);
  CHECK(get(dir.path + "/sub/w.txt") == "w");
  CHECK_FALSE(call(env, "Write", {{"file_path", "alias/new/dirs/n.txt"}, {"content", "n"}}).is_error);
  CHECK(get(dir.path + "/sub/new/dirs/n.txt") == "n");
  CHECK(call(env, "Glob", {{"pattern", "**/n.txt"}}).content == "sub/new/dirs/n.txt\n");
  CHECK(call(env, "Grep", {{"pattern", "inside"}, {"path", "alias"}}).content == "sub/in.txt\n");
  set_openat2_enabled(true);
}

}  // namespace

TEST_CASE("no path leaves the working directory: .., absolute paths, symlinks, loops, /proc") {
  SECTION("openat2") { check_confinement(true); }
  SECTION("openat fallback") { check_confinement(false); }
}

TEST_CASE("open_beneath refuses a symlink planted after the path was resolved") {
  testing::TempDir dir, outside;
  put(outside.path + "/secret", "SECRET");
  fs::create_directory(dir.path + "/d");
  ToolPath p;
  std::string error;
  REQUIRE(resolve_tool_path(dir.path, "d/secret", &p, &error));
  CHECK(p.rel == "d/secret");
  CHECK_FALSE(p.exists);
  fs::remove(dir.path + "/d");
  fs::create_symlink(outside.path, dir.path + "/d");  // the race: d is swapped for a link
  for (bool openat2 : {true, false}) {
    set_openat2_enabled(openat2);
    errno = 0;
    CHECK(open_beneath(dir.path, p.rel, O_RDONLY, 0) == -1);
    CHECK((errno == ELOOP || errno == EXDEV || errno == ENOTDIR));
  }
  set_openat2_enabled(true);
}

TEST_CASE("Write and Edit outside the write scope are refused and name the allowed globs") {
  testing::TempDir dir;
  put(dir.path + "/src/main.c", "int main;\n");
  fs::create_directories(dir.path + "/out");
  fs::create_symlink("../src", dir.path + "/out/src_link");
  ToolEnv env = env_in(dir.path, {false, {"out/**", "notes.md"}});
  ToolOutcome in = call(env, "Write", {{"file_path", "out/r/report.txt"}, {"content", "ok"}});
  CHECK_FALSE(in.is_error);
  CHECK(in.refused.empty());
  CHECK_FALSE(call(env, "Write", {{"file_path", "notes.md"}, {"content", "n"}}).is_error);
  ToolOutcome out = call(env, "Write", {{"file_path", "src/new.c"}, {"content", "x"}});
  CHECK(out.is_error);
  CHECK(out.refused == "src/new.c");
  CHECK(out.content.find("out/**, notes.md") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path + "/src/new.c"));
  // A link inside the allowed directory does not carry the write out of the scope.
  ToolOutcome via = call(env, "Write", {{"file_path", "out/src_link/main.c"}, {"content", "x"}});
  CHECK(via.refused == "src/main.c");
  ToolOutcome edit = call(env, "Edit", {{"file_path", "src/main.c"}, {"old_string", "main"}, {"new_string", "x"}});
  CHECK(edit.refused == "src/main.c");
  CHECK(get(dir.path + "/src/main.c") == "int main;\n");
  ToolEnv none = env_in(dir.path, {false, {}});
  ToolOutcome nowhere = call(none, "Write", {{"file_path", "out/a"}, {"content", "x"}});
  CHECK(nowhere.refused == "out/a");
  CHECK(nowhere.content.find("may not write any file") != std::string::npos);
}

TEST_CASE("Edit replaces a unique string, or every one with replace_all, and explains failures") {
  testing::TempDir dir;
  put(dir.path + "/f.txt", "alpha beta\nbeta gamma\n");
  ToolEnv env = env_in(dir.path);
  ToolOutcome twice = call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", "beta"}, {"new_string", "B"}});
  CHECK(twice.is_error);
  CHECK(twice.content.find("occurs 2 times") != std::string::npos);
  CHECK(twice.content.find("replace_all") != std::string::npos);
  CHECK(get(dir.path + "/f.txt") == "alpha beta\nbeta gamma\n");
  ToolOutcome once = call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", "beta gamma"}, {"new_string", "G"}});
  CHECK_FALSE(once.is_error);
  CHECK(get(dir.path + "/f.txt") == "alpha beta\nG\n");
  ToolOutcome all = call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", "a"}, {"new_string", "AA"}, {"replace_all", true}});
  CHECK(all.content == "Edited f.txt: replaced 3 occurrences");
  CHECK(get(dir.path + "/f.txt") == "AAlphAA betAA\nG\n");
  ToolOutcome missing = call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", "zeta"}, {"new_string", "x"}});
  CHECK(missing.is_error);
  CHECK(missing.content.find("not found") != std::string::npos);
  CHECK(call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", "G"}, {"new_string", "G"}}).is_error);
  CHECK(call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", ""}, {"new_string", "x"}}).is_error);
  CHECK(call(env, "Edit", {{"file_path", "none.txt"}, {"old_string", "a"}, {"new_string", "b"}}).is_error);
  // Shrinking leaves no stale tail behind.
  CHECK_FALSE(call(env, "Edit", {{"file_path", "f.txt"}, {"old_string", "AAlphAA betAA\n"}, {"new_string", ""}}).is_error);
  CHECK(get(dir.path + "/f.txt") == "G\n");
}

TEST_CASE("hostile tool input is an error outcome, never an exception") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  auto bad = [&](const std::string& tool, const std::string& input, const std::string& says) {
    INFO(tool << " " << input);
    ToolOutcome r;
    REQUIRE_NOTHROW(r = run_builtin_tool(env, tool, input));
    CHECK(r.is_error);
    CHECK(r.content.find(says) != std::string::npos);
  };
  bad("Read", "not json", "must be a JSON object");
  bad("Read", "[1,2]", "must be a JSON object");
  bad("Read", "{}", "missing required field \"file_path\"");
  bad("Read", R"({"file_path": 7})", "must be a string, not number");
  bad("Read", R"({"file_path": "a", "offset": "x"})", "must be an integer");
  bad("Read", R"({"file_path": "a", "offset": 0})", "at least 1");
  bad("Read", R"({"file_path": "a", "limit": 1.5})", "whole number");
  bad("Read", R"({"file_path": "a\u0000b"})", "NUL byte");
  bad("Read", R"({"file_path": ""})", "empty");
  bad("Read", "{\"file_path\": \"\xff\"}", "must be a JSON object");
  bad("Edit", R"({"file_path": "a", "old_string": "x", "new_string": "y", "replace_all": "yes"})",
      "true or false");
  bad("Write", R"({"file_path": "a"})", "missing required field \"content\"");
  bad("Nope", "{}", "unknown tool");
  bad("Grep", R"({"pattern": "a", "-i": "yes"})", "true or false");
  bad("Grep", R"({"pattern": ["a"]})", "must be a string, not array");
  bad("Glob", R"({"path": "."})", "missing required field \"pattern\"");
  bad("Bash", R"({"command": 5})", "must be a string, not number");
  bad("Bash", R"({"command": "true", "timeout": -1})", "at least 1");
  bad("Bash", R"({"command": "a\u0000b"})", "NUL byte");
  ToolEnv gone = env_in(dir.path + "/no-such-dir");
  for (const char* tool : {"Read", "Write", "Glob", "Grep", "Bash"}) {
    INFO(tool);
    ToolOutcome r = run_builtin_tool(gone, tool, R"({"file_path":"a","content":"","pattern":"a","command":"true"})");
    CHECK(r.is_error);
  }
  bad("Write", json{{"file_path", "huge"}, {"content", std::string(17 * 1024 * 1024, 'x')}}.dump(),
      "larger than 16 MiB");
  bad("Read", R"({"file_path": ")" + std::string(5000, 'a') + R"("})", "too long");
  CHECK_FALSE(fs::exists(dir.path + "/huge"));
  // NUL bytes in content are the model's to write.
  CHECK_FALSE(call(env, "Write", {{"file_path", "nul"}, {"content", std::string("a\0b", 3)}}).is_error);
  CHECK(get(dir.path + "/nul") == std::string("a\0b", 3));
}

namespace {

// A tree for the search tools, with files of known age (newest last) and traps.
void search_tree(const std::string& dir, const std::string& outside) {
  put(dir + "/src/a.cc", "int alpha = 1;\nint Beta = 2;\n");
  put(dir + "/src/deep/b.cc", "// alpha\nint gamma;\nalpha();\n");
  put(dir + "/src/c.h", "#define ALPHA 3\n");
  put(dir + "/README.md", "alpha docs\n");
  put(dir + "/.git/config", "alpha in git\n");
  put(dir + "/bin.dat", std::string("alpha\0", 6));
  put(outside + "/o.cc", "alpha outside\n");
  fs::create_symlink(outside, dir + "/out_link");
  fs::create_symlink("/", dir + "/root_link");
  int64_t t = 1700000000;
  for (const char* f : {"README.md", "src/c.h", "src/deep/b.cc", "src/a.cc"}) {
    struct timespec times[2] = {{t, 0}, {t, 0}};
    ::utimensat(AT_FDCWD, (dir + "/" + f).c_str(), times, 0);
    t += 10;
  }
}

}  // namespace

TEST_CASE("Glob lists matching files newest first, never through a link, never .git") {
  testing::TempDir dir, outside;
  search_tree(dir.path, outside.path);
  ToolEnv env = env_in(dir.path);
  CHECK(call(env, "Glob", {{"pattern", "**/*.cc"}}).content == "src/a.cc\nsrc/deep/b.cc\n");
  CHECK(call(env, "Glob", {{"pattern", "*.cc"}, {"path", "src"}}).content == "src/a.cc\n");
  CHECK(call(env, "Glob", {{"pattern", "src/*.{h,cc}"}}).content == "src/a.cc\nsrc/c.h\n");
  CHECK(call(env, "Glob", {{"pattern", dir.path + "/src/**/*.cc"}}).content == "src/a.cc\nsrc/deep/b.cc\n");
  CHECK(call(env, "Glob", {{"pattern", "**/config"}}).content == "No files match **/config");
  CHECK(call(env, "Glob", {{"pattern", "**/o.cc"}}).content == "No files match **/o.cc");
  CHECK(call(env, "Glob", {{"pattern", "**/passwd"}}).content == "No files match **/passwd");
  CHECK(call(env, "Glob", {{"pattern", "*"}, {"path", "out_link"}}).is_error);
  CHECK(call(env, "Glob", {{"pattern", "../*"}}).is_error);
  CHECK(call(env, "Glob", {{"pattern", "/etc/*"}}).is_error);
  for (int i = 0; i < 150; ++i) put(dir.path + "/many/f" + std::to_string(i), "");
  ToolOutcome many = call(env, "Glob", {{"pattern", "many/*"}});
  CHECK(std::count(many.content.begin(), many.content.end(), '\n') == 101);
  CHECK(many.content.find("[showing the 100 newest of 150 files") != std::string::npos);
}

TEST_CASE("Grep finds lines by POSIX extended regex in three output modes") {
  testing::TempDir dir, outside;
  search_tree(dir.path, outside.path);
  ToolEnv env = env_in(dir.path);
  ToolOutcome files = call(env, "Grep", {{"pattern", "alpha"}});
  CHECK(files.content == "README.md\nsrc/a.cc\nsrc/deep/b.cc\n[1 binary files not searched]\n");
  ToolOutcome content = call(env, "Grep", {{"pattern", "^(int|alpha)"}, {"output_mode", "content"}, {"glob", "*.cc"}});
  CHECK(content.content == "src/a.cc:1:int alpha = 1;\nsrc/a.cc:2:int Beta = 2;\nsrc/deep/b.cc:2:int gamma;\nsrc/deep/b.cc:3:alpha();\n");
  ToolOutcome count = call(env, "Grep", {{"pattern", "alpha"}, {"output_mode", "count"}, {"-i", true}, {"path", "src"}});
  CHECK(count.content == "src/a.cc:1\nsrc/c.h:1\nsrc/deep/b.cc:2\n");
  ToolOutcome plain = call(env, "Grep", {{"pattern", "beta"}, {"output_mode", "content"}, {"-i", true}, {"-n", false}, {"path", "src/a.cc"}});
  CHECK(plain.content == "src/a.cc:int Beta = 2;\n");
  ToolOutcome head = call(env, "Grep", {{"pattern", "a"}, {"head_limit", 1}, {"glob", "src/**/*.cc"}});
  CHECK(head.content == "src/a.cc\n[stopped at head_limit 1]\n");
  CHECK(call(env, "Grep", {{"pattern", "zzz"}, {"glob", "*.md"}}).content == "No matches\n");
  ToolOutcome bad = call(env, "Grep", {{"pattern", "a("}});
  CHECK(bad.is_error);
  CHECK(bad.content.find("bad regular expression") != std::string::npos);
  CHECK(call(env, "Grep", {{"pattern", "a"}, {"output_mode", "lines"}}).is_error);
  CHECK(call(env, "Grep", {{"pattern", "root"}, {"path", "root_link/etc"}}).is_error);
  CHECK(call(env, "Grep", {{"pattern", "alpha"}, {"path", "/etc"}}).is_error);
}

TEST_CASE("Grep caps its output at 100 KiB and cuts long lines") {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "match " + std::string(100, 'x') + "\n";
  text += "match " + std::string(3000, 'y') + "\n";
  put(dir.path + "/big.txt", text);
  put(dir.path + "/long.txt", "match " + std::string(3000, 'y') + "\n");
  ToolEnv env = env_in(dir.path);
  ToolOutcome r = call(env, "Grep", {{"pattern", "match"}, {"output_mode", "content"}});
  CHECK(r.content.size() <= 100 * 1024 + 200);
  CHECK(r.content.find("[output cut at 100 KiB") != std::string::npos);
  ToolOutcome l = call(env, "Grep", {{"pattern", "match"}, {"output_mode", "content"}, {"path", "long.txt"}});
  CHECK(l.content == "long.txt:1:match " + std::string(494, 'y') + " [line cut]\n");
}

namespace {

// Gone, or a zombie waiting for its new parent, within a second (a SIGKILL is delivered
// asynchronously).
bool process_gone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::string stat = get("/proc/" + std::to_string(pid) + "/stat");
    if (stat.empty() || stat.find(") Z") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

pid_t pid_in(const std::string& path) {
  std::string text = get(path);
  return text.empty() ? 0 : static_cast<pid_t>(std::stol(text));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("Bash runs in the working directory and reports output and exit status") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  ToolOutcome ok = call(env, "Bash", {{"command", "pwd; echo err >&2"}, {"description", "where"}});
  CHECK_FALSE(ok.is_error);
  CHECK(ok.content == fs::canonical(dir.path).string() + "\nerr\n");
  ToolOutcome fail = call(env, "Bash", {{"command", "echo partial; exit 3"}});
  CHECK(fail.is_error);
  CHECK(fail.content == "partial\nexit status 3");
  CHECK(call(env, "Bash", {{"command", "true"}}).content == "(no output)");
  CHECK(call(env, "Bash", {{"command", "printf 'a\\377b'"}}).content == "a\xEF\xBF\xBD" "b");
  ::setenv("ANTHROPIC_API_KEY", "sk-test-secret", 1);
  CHECK(call(env, "Bash", {{"command", "echo \"[$ANTHROPIC_API_KEY]\""}}).content == "[]\n");
  ::unsetenv("ANTHROPIC_API_KEY");
  CHECK(call(env, "Bash", {{"command", ""}}).is_error);
  CHECK(call(env, "Bash", {{"command", "true"}, {"timeout", 0}}).is_error);
}

TEST_CASE("Bash caps its output and keeps reading, so a flood neither blocks nor fills memory") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  ToolOutcome r = call(env, "Bash", {{"command", "head -c 5000000 /dev/zero | tr '\\0' x; echo; echo done >&2"}});
  CHECK_FALSE(r.is_error);
  CHECK(r.content.size() < 31000);
  CHECK(r.content.find("[output cut at 30000 bytes; 4970006 more bytes not shown]") != std::string::npos);
}

TEST_CASE("a Bash timeout kills the whole group, also children that ignore SIGTERM") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  env.bash_timeout_ms = 60000;
  auto t0 = std::chrono::steady_clock::now();
  ToolOutcome r = call(env, "Bash", {{"command", "sleep 100 & echo $! > pid; wait"}, {"timeout", 300}});
  CHECK(seconds_since(t0) < 5);
  CHECK(r.is_error);
  CHECK(r.content.find("timed out after 300 ms") != std::string::npos);
  pid_t sleeper = pid_in(dir.path + "/pid");
  REQUIRE(sleeper > 0);
  CHECK(process_gone(sleeper));
  // The step's limit wins over a larger one asked for; TERM ignored means SIGKILL after 1 s.
  env.bash_timeout_ms = 300;
  t0 = std::chrono::steady_clock::now();
  r = call(env, "Bash", {{"command", "trap '' TERM; sh -c 'trap \"\" TERM; sleep 100' & echo $! > pid2; wait"},
                         {"timeout", 100000}});
  CHECK(seconds_since(t0) < 5);
  CHECK(r.content.find("timed out after 300 ms") != std::string::npos);
  pid_t stubborn = pid_in(dir.path + "/pid2");
  REQUIRE(stubborn > 0);
  CHECK(process_gone(stubborn));
}

TEST_CASE("Bash leaves no background process behind and stops on cancel") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  ToolOutcome bg = call(env, "Bash", {{"command", "sleep 100 > /dev/null 2>&1 & echo $! > pid"}});
  CHECK_FALSE(bg.is_error);
  pid_t left = pid_in(dir.path + "/pid");
  REQUIRE(left > 0);
  CHECK(process_gone(left));
  Cancel cancel;
  env.cancel = &cancel;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.request();
  });
  auto t0 = std::chrono::steady_clock::now();
  ToolOutcome r = call(env, "Bash", {{"command", "sleep 100"}});
  stopper.join();
  CHECK(seconds_since(t0) < 5);
  CHECK(r.is_error);
  CHECK(r.content.find("interrupted") != std::string::npos);
}

TEST_CASE("tool calls from several threads at once do not disturb each other") {
  testing::TempDir dir;
  ToolEnv env = env_in(dir.path);
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      std::string name = "t" + std::to_string(t) + ".txt";
      for (int i = 0; i < 10; ++i) {
        std::string text = name + " " + std::to_string(i);
        bool ok = !call(env, "Write", {{"file_path", name}, {"content", text}}).is_error &&
                  call(env, "Read", {{"file_path", name}}).content == "     1\t" + text + "\n" &&
                  call(env, "Bash", {{"command", "cat " + name}}).content == text;
        if (ok) ++good;
      }
    });
  for (std::thread& th : threads) th.join();
  CHECK(good == 60);
}

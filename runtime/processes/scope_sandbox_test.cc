#include "runtime/processes/scope_sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>

#include "runtime/processes/landlock.h"
#include "runtime/processes/refused_writes.h"
#include "runtime/processes/subprocess.h"
#include "runtime/processes/write_guard.h"

using namespace flow::rt;
namespace fs = std::filesystem;

namespace {

// A fresh directory (absolute, without links) removed at the end of the test.
struct TempTree {
  std::string path;
  TempTree() {
    std::string templ = (fs::temp_directory_path() / "flow-sandbox-XXXXXX").string();
    path = fs::canonical(::mkdtemp(templ.data())).string();
  }
  ~TempTree() { fs::remove_all(path); }
  bool has(const std::string& rel) const { return fs::exists(path + "/" + rel); }
};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("what a scope pattern leads to on the file system") {
  CHECK(pattern_reach("backend/**").dir == "backend");
  CHECK(pattern_reach("backend/**").whole_dir);
  CHECK(pattern_reach("./src/*.py").dir == "src");
  CHECK_FALSE(pattern_reach("src/*.py").whole_dir);
  CHECK(pattern_reach("issues.md").exact);
  CHECK(pattern_reach("issues.md").dir == "issues.md");
  CHECK(pattern_reach("**/*.md").dir.empty());
  CHECK(pattern_reach("docs/**/api/*.md").dir == "docs");
  CHECK_FALSE(pattern_reach("docs/**/api/*.md").whole_dir);
}

TEST_CASE("everything outside the tree stays writable, nothing leads into it") {
  TempTree t;
  fs::create_directories(t.path + "/repo/src");
  fs::create_directories(t.path + "/sibling");
  fs::create_symlink(t.path + "/repo", t.path + "/link-into-repo");
  std::vector<std::string> out = outside_tree(t.path + "/repo");
  CHECK(contains(out, t.path + "/sibling"));
  CHECK_FALSE(contains(out, t.path + "/repo"));
  CHECK_FALSE(contains(out, t.path + "/link-into-repo"));  // a link is never followed
  for (const std::string& p : out) CHECK(t.path.rfind(p, 0) != 0);  // no ancestor of the tree
}

TEST_CASE("a sandbox makes the scope's directories and files, and removes them when unused") {
  TempTree t;
  WriteScope scope{false, {"backend/infra/**", "issues.md", "src/*.py"}};
  ScopeSandbox a, b;
  std::string error;
  REQUIRE(plan_sandbox(scope, t.path, true, &a, &error));
  CHECK(t.has("backend/infra"));
  CHECK(t.has("issues.md"));
  CHECK(contains(a.grants.dirs, t.path + "/backend/infra"));
  CHECK(contains(a.grants.files, t.path + "/issues.md"));
  CHECK(contains(a.grants.dirs, t.path + "/src"));
  CHECK(a.check == std::vector<std::string>{"src"});  // finer than a directory: checked after
  REQUIRE(plan_sandbox(scope, t.path, true, &b, &error));  // a second call at the same time
  end_sandbox(a);
  CHECK(t.has("issues.md"));  // the other call still uses it
  end_sandbox(b);
  CHECK_FALSE(t.has("issues.md"));
  CHECK_FALSE(t.has("backend"));
  CHECK_FALSE(t.has("src"));
}

TEST_CASE("what an agent wrote into a made file or directory stays") {
  TempTree t;
  ScopeSandbox s;
  std::string error;
  REQUIRE(plan_sandbox(WriteScope{false, {"out/**", "log.md"}}, t.path, false, &s, &error));
  fs::create_directories(t.path + "/out/deep");
  { FILE* f = std::fopen((t.path + "/log.md").c_str(), "w"); std::fputs("x", f); std::fclose(f); }
  end_sandbox(s);
  CHECK(t.has("out/deep"));
  CHECK(t.has("log.md"));
}

TEST_CASE("the kernel refuses a confined program's write outside its scope, and allows the rest") {
  REQUIRE(landlock_abi() > 0);  // these machines have Landlock (Linux 5.13+): no silent skip
  TempTree t;
  ScopeSandbox s;
  std::string error;
  REQUIRE(plan_sandbox(WriteScope{false, {"src/**"}}, t.path, false, &s, &error));
  int ruleset = make_write_ruleset(s.grants, &error);
  REQUIRE(ruleset >= 0);
  SubprocessSpec sp;
  sp.argv = {"/bin/sh", "-c", "echo in > src/in.txt; echo out > out.txt; echo tmp > \"$TMPDIR/t\""};
  sp.cwd = t.path;
  sp.landlock_ruleset = ruleset;
  if (!s.tmpdir.empty()) sp.env.emplace_back("TMPDIR", s.tmpdir);
  SubprocessResult r = run_subprocess(sp, nullptr);
  ::close(ruleset);
  CHECK(r.started);
  CHECK(t.has("src/in.txt"));
  CHECK_FALSE(t.has("out.txt"));
  CHECK(r.err.find("out.txt: Permission denied") != std::string::npos);
  CHECK(r.err.find("/t:") == std::string::npos);  // the temporary directory is writable
  CHECK(refused_in_tree(r.err, t.path, WriteScope{false, {"src/**"}}) ==
        std::vector<std::string>{"out.txt"});
  end_sandbox(s);
}

TEST_CASE("a program that cannot start under confinement is an error, not a hang") {
  REQUIRE(landlock_abi() > 0);
  std::string error;
  int ruleset = make_write_ruleset(WriteGrants{}, &error);
  REQUIRE(ruleset >= 0);
  SubprocessSpec sp;
  sp.argv = {"no-such-program-of-flow"};
  sp.landlock_ruleset = ruleset;
  SubprocessResult r = run_subprocess(sp, nullptr);
  ::close(ruleset);
  CHECK_FALSE(r.started);
  CHECK(r.error.find("No such file") != std::string::npos);
}

TEST_CASE("permission errors name the paths as shells, Node, Python and zsh print them") {
  std::string text =
      "sh: 1: cannot create out.txt: Permission denied\n"
      "touch: cannot touch \xe2\x80\x98" "a b\xe2\x80\x99: Permission denied\n"
      "mkdir: cannot create directory 'newdir': Permission denied\n"
      "Error: EACCES: permission denied, open '/repo/x.js'\n"
      "PermissionError: [Errno 13] Permission denied: 'data.csv'\n"
      "(eval):1: permission denied: sneaky.txt\n"
      "bash: line 1: out.txt: Permission denied\n"
      "all is well\n";
  CHECK(permission_denied_paths(text) ==
        std::vector<std::string>{"out.txt", "newdir", "/repo/x.js", "data.csv", "sneaky.txt"});
  CHECK(path_in_tree("/repo/x.js", "/repo") == "x.js");
  CHECK(path_in_tree("/repository/x.js", "/repo").empty());
  CHECK(path_in_tree("./a/b", "/repo") == "a/b");
  CHECK(path_in_tree("../elsewhere", "/repo").empty());
  // Inside the tree and outside the scope only: a denied read elsewhere is not ours.
  CHECK(refused_in_tree("cat: /etc/shadow: Permission denied\nsh: 1: cannot create src/a: "
                        "Permission denied\nsh: 1: cannot create b: Permission denied",
                        "/repo", WriteScope{false, {"src/**"}}) == std::vector<std::string>{"b"});
}

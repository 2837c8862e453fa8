#include "compiler/glob.h"

#include <catch2/catch.hpp>

#include "compiler/suggest.h"

using flow::glob_matches;
using flow::glob_within;
using flow::globs_overlap;

TEST_CASE("glob matching: * stays in a segment, ** crosses them") {
  CHECK(glob_matches("src/*.cc", "src/a.cc"));
  CHECK_FALSE(glob_matches("src/*.cc", "src/x/a.cc"));
  CHECK(glob_matches("src/**", "src/x/y/a.cc"));
  CHECK(glob_matches("docs/**/*.md", "docs/a.md"));
  CHECK(glob_matches("docs/**/*.md", "docs/x/y/a.md"));
  CHECK_FALSE(glob_matches("docs/**/*.md", "src/a.md"));
  CHECK(glob_matches("issues.md", "issues.md"));
}

TEST_CASE("glob matching: `**/` stands for whole segments, not the end of a name") {
  CHECK_FALSE(glob_matches("src/**/x.c", "src/ax.c"));
  CHECK_FALSE(glob_matches("**/n.txt", "sub/in.txt"));
  CHECK_FALSE(glob_matches("out/**/report.md", "out/myreport.md"));
  CHECK(glob_matches("src/**/x.c", "src/x.c"));
  CHECK(glob_matches("src/**/x.c", "src/a/b/x.c"));
  CHECK(glob_matches("**/n.txt", "n.txt"));
  CHECK(glob_matches("**/n.txt", "a/n.txt"));
  CHECK(glob_matches("a/**", "a/b/c"));
  CHECK(glob_matches("a/**b", "a/x/yb"));
  // A path holding a literal `*` is still a path.
  CHECK(glob_matches("notes/*", "notes/a*b"));
  CHECK(glob_matches("a*b", "a*b"));
}

TEST_CASE("two globs overlap when some path matches both") {
  CHECK(globs_overlap("src/**", "src/tests/**"));
  CHECK(globs_overlap("src/*.cc", "src/main.*"));
  CHECK(globs_overlap("**", "anything/at/all"));
  CHECK(globs_overlap("docs/**/x.md", "docs/x.md"));
  CHECK_FALSE(globs_overlap("src/**", "docs/**"));
  CHECK_FALSE(globs_overlap("src/*.cc", "src/*.h"));
  CHECK_FALSE(globs_overlap("src/*", "src/a/b"));
  CHECK_FALSE(globs_overlap("backend/api/**", "backend/cli/**"));
}

TEST_CASE("a glob lies within another when the outer covers all it matches") {
  CHECK(glob_within("src/api/**", "src/**"));
  CHECK(glob_within("src/*.cc", "src/**"));
  CHECK(glob_within("src/*.cc", "src/*"));
  CHECK(glob_within("issues.md", "*.md"));
  CHECK_FALSE(glob_within("src/**", "src/*"));
  CHECK_FALSE(glob_within("docs/**", "src/**"));
  CHECK_FALSE(glob_within("src/**", "src/api/**"));
}

TEST_CASE("a glob's literal prefix stops at the first star") {
  CHECK(flow::glob_prefix("src/api/**") == "src/api/");
  CHECK(flow::glob_prefix("**") == "");
  CHECK(flow::glob_prefix("issues.md") == "issues.md");
}

TEST_CASE("did you mean: close names only, ties to the first") {
  std::vector<std::string_view> names{"planner", "reviewer", "review-code"};
  CHECK(flow::closest_name("planer", names) == "planner");
  CHECK(flow::closest_name("reveiwer", names) == "reviewer");  // a swap is one edit
  CHECK(flow::closest_name("xyz", names) == "");
  CHECK(flow::closest_name("planner", names) == "");  // itself is not a suggestion
  CHECK(flow::did_you_mean("planer", names) == "did you mean `planner`?");
  CHECK(flow::edit_distance("kitten", "sitting", 10) == 3);
  CHECK(flow::edit_distance("abc", "abcdefgh", 2) == 3);  // gives up past the limit
}

TEST_CASE("a name suggester stops searching when its budget is spent") {
  flow::NameSuggester s({"review", "plan"});
  s.budget = 2;
  CHECK(s.did_you_mean("plna") == "did you mean `plan`?");
  CHECK(s.did_you_mean("reviw", "none") == "did you mean `review`?");
  CHECK(s.did_you_mean("plna", "none") == "none");
}

#include "ir/glob.h"

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

namespace {

// The product-automaton search as first written, over a full (|a|+1)·(|b|+1) table: slow
// and memory-hungry, but plainly right, so it serves as the reference for the rolling-row one.
bool ref_star2(std::string_view p, size_t i) {
  return i + 1 < p.size() && p[i] == '*' && p[i + 1] == '*';
}
bool ref_star1(std::string_view p, size_t i) {
  return i < p.size() && p[i] == '*' && !ref_star2(p, i);
}
template <typename F>
void ref_skips(std::string_view p, size_t i, F&& f) {
  if (ref_star2(p, i)) {
    f(i + 2);
    if (i + 2 < p.size() && p[i + 2] == '/') f(i + 3);
  } else if (ref_star1(p, i)) {
    f(i + 1);
  }
}
template <typename Moves>
bool ref_search(std::string_view a, std::string_view b, Moves&& moves) {
  std::vector<bool> seen((a.size() + 1) * (b.size() + 1), false);
  std::vector<std::pair<size_t, size_t>> todo;
  auto push = [&](size_t i, size_t j) {
    size_t k = i * (b.size() + 1) + j;
    if (!seen[k]) seen[k] = true, todo.emplace_back(i, j);
  };
  push(0, 0);
  while (!todo.empty()) {
    const size_t i = todo.back().first, j = todo.back().second;
    todo.pop_back();
    if (i == a.size() && j == b.size()) return true;
    moves(i, j, push);
  }
  return false;
}
bool ref_overlap(std::string_view a, std::string_view b) {
  return ref_search(a, b, [&](size_t i, size_t j, auto& push) {
    ref_skips(a, i, [&](size_t ni) { push(ni, j); });
    ref_skips(b, j, [&](size_t nj) { push(i, nj); });
    bool sa = ref_star1(a, i) || ref_star2(a, i), sb = ref_star1(b, j) || ref_star2(b, j);
    if (i < a.size() && j < b.size()) {
      if (!sa && !sb && a[i] == b[j]) push(i + 1, j + 1);
      if (sa && !sb && (ref_star2(a, i) || b[j] != '/')) push(i, j + 1);
      if (sb && !sa && (ref_star2(b, j) || a[i] != '/')) push(i + 1, j);
    }
  });
}
bool ref_within(std::string_view inner, std::string_view outer) {
  return ref_search(inner, outer, [&](size_t i, size_t j, auto& push) {
    ref_skips(outer, j, [&](size_t nj) { push(i, nj); });
    if (i >= inner.size() || j >= outer.size()) return;
    if (ref_star2(outer, j)) {
      push(i + (ref_star2(inner, i) ? 2 : 1), j);
    } else if (ref_star1(outer, j)) {
      if (ref_star1(inner, i) || (!ref_star2(inner, i) && inner[i] != '/')) push(i + 1, j);
    } else if (!ref_star1(inner, i) && !ref_star2(inner, i) && inner[i] == outer[j]) {
      push(i + 1, j + 1);
    }
  });
}

std::string random_pattern(uint32_t& seed, size_t max_len) {
  static constexpr char kChars[] = {'a', 'b', '/', '*', '*'};
  auto next = [&] { return seed = seed * 1664525u + 1013904223u, seed >> 16; };
  std::string s(next() % (max_len + 1), ' ');
  for (char& c : s) c = kChars[next() % sizeof kChars];
  return s;
}

}  // namespace

TEST_CASE("the rolling-row search answers as the full-table search does") {
  uint32_t seed = 12345;
  for (int n = 0; n < 20000; ++n) {
    std::string a = random_pattern(seed, 9), b = random_pattern(seed, 9);
    INFO("a = '" << a << "', b = '" << b << "'");
    REQUIRE(globs_overlap(a, b) == ref_overlap(a, b));
    REQUIRE(glob_within(a, b) == ref_within(a, b));
  }
}

TEST_CASE("long patterns: a correct answer up to the bound, at once and without bad_alloc past it") {
  std::string dir(4000, 'd');
  CHECK(globs_overlap(dir + "/**", dir + "/x/*.cc"));
  CHECK_FALSE(globs_overlap(dir + "/a/**", dir + "/b/**"));
  CHECK(glob_within(dir + "/x/*.cc", dir + "/**"));
  CHECK_FALSE(glob_within(dir + "/**", dir + "/x/**"));
  // Stars on both sides: the whole product is searched, in memory linear in the lengths.
  std::string stars_a, stars_b;
  while (stars_a.size() + 2 <= flow::kMaxGlobLength) stars_a += "*a", stars_b += "a*";
  CHECK(globs_overlap(stars_a, stars_b));
  CHECK_FALSE(globs_overlap(stars_a + "b", stars_b + "c"));
  // Past the bound the compiler has already reported E0504; nothing allocates a table.
  std::string huge(1'000'000, 'a');
  CHECK_NOTHROW(globs_overlap(huge, huge));
  CHECK_NOTHROW(glob_within(huge, huge));
  CHECK_FALSE(globs_overlap(huge, huge));
  CHECK_FALSE(glob_matches(huge, huge));
}

namespace {

// Brute force: every pair compared.
std::vector<std::pair<uint32_t, uint32_t>> all_overlapping(const std::vector<std::string>& p) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (uint32_t i = 0; i < p.size(); ++i)
    for (uint32_t j = i + 1; j < p.size(); ++j)
      if (globs_overlap(p[i], p[j])) out.push_back({i, j});
  return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& p) {
  return std::vector<std::string_view>(p.begin(), p.end());
}

// Pairs compared for n patterns made by `make`.
template <typename Make>
size_t compared_for(size_t n, Make make) {
  std::vector<std::string> p;
  for (size_t i = 0; i < n; ++i) p.push_back(make(i));
  size_t compared = 0;
  flow::overlapping_pairs(views(p), &compared);
  return compared;
}

}  // namespace

TEST_CASE("overlapping pairs: the same pairs as comparing every pair") {
  uint32_t seed = 777;
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> p;
    for (int k = 0; k < 12; ++k) p.push_back(random_pattern(seed, 7));
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
    INFO("round " << round);
    REQUIRE(flow::overlapping_pairs(views(p)) == all_overlapping(p));
  }
  std::vector<std::string> named{"src/**", "**/x.md", "docs/*.md", "**", "src/a/x.md", "*.md"};
  CHECK(flow::overlapping_pairs(views(named)) == all_overlapping(named));
  // `**/` may vanish with its slash: `**/x.md` ends with `x.md`, not `/x.md`.
  CHECK(globs_overlap("**/x.md", "x.md"));
  CHECK(flow::overlapping_pairs(views({"**/x.md", "x.md"})).size() == 1);
}

TEST_CASE("overlapping pairs: the work grows with the patterns, not with their pairs") {
  // Distinct directories (literal starts differ) and distinct file names under a wildcard
  // (literal ends differ): 8 times the patterns, about 8 times the pairs compared, where
  // comparing every pair would be 64 times. The bound leaves room for the odd shared key.
  auto dirs = [](size_t i) { return "src/m" + std::to_string(i) + "/**"; };
  auto names = [](size_t i) { return "**/m" + std::to_string(i) + ".txt"; };
  auto files = [](size_t i) { return "build/" + std::to_string(i) + ".o"; };
  for (auto make : {+dirs, +names, +files}) {
    size_t small = compared_for(500, make), big = compared_for(4000, make);
    INFO(make(1) << ": " << small << " pairs compared for 500 patterns, " << big << " for 4000");
    CHECK(big <= 10 * std::max<size_t>(small, 500));
  }
}

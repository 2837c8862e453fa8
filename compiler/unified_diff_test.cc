// The diff `flowc fmt --check` prints, compared with what `diff -u` prints for the same texts.
#include <catch2/catch.hpp>

#include "compiler/unified_diff.h"

using flow::unified_diff;

TEST_CASE("unified_diff: equal texts give nothing") {
  CHECK(unified_diff("a\nb\n", "a\nb\n", "x", "y").empty());
  CHECK(unified_diff("", "", "x", "y").empty());
}

TEST_CASE("unified_diff: one change with its context") {
  CHECK(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", "a", "b") ==
        "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST_CASE("unified_diff: changes far apart get hunks of their own, close ones share one") {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 18 ? "x" : std::to_string(i)) + "\n";
  }
  CHECK(unified_diff(before, after, "a", "b") ==
        "--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
        "@@ -15,6 +15,6 @@\n 15\n 16\n 17\n-18\n+x\n 19\n 20\n");
  // Six unchanged lines between two changes: one hunk; seven: two (as diff -u does).
  CHECK(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "x\n2\n3\n4\n5\n6\n7\ny\n9\n", "a", "b") ==
        "--- a\n+++ b\n@@ -1,9 +1,9 @@\n-1\n+x\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+y\n 9\n");
  CHECK(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "x\n2\n3\n4\n5\n6\n7\n8\ny\n", "a", "b") ==
        "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -6,4 +6,4 @@\n 6\n 7\n 8\n-9\n+y\n");
}

TEST_CASE("unified_diff: lines added or removed, and a missing final newline") {
  CHECK(unified_diff("a\n\n\nb\n", "a\n\nb\n", "o", "n") ==
        "--- o\n+++ n\n@@ -1,4 +1,3 @@\n a\n \n-\n b\n");
  CHECK(unified_diff("", "a\n", "o", "n") == "--- o\n+++ n\n@@ -0,0 +1 @@\n+a\n");
  CHECK(unified_diff("a\nb", "a\nb\n", "o", "n") ==
        "--- o\n+++ n\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
}

#include "runtime/engine/items.h"

#include <string>

#include <catch2/catch.hpp>

using flow::rt::parse_items;

TEST_CASE("item lines among prose are the items, in order") {
  auto r = parse_items("I looked at the request.\n\nITEM: authentication\nSome words.\n"
                       "ITEM:   data storage  \nThat is all.", 5);
  REQUIRE(r.ok);
  CHECK(r.items == std::vector<std::string>{"authentication", "data storage"});
}

TEST_CASE("markdown decoration around an item line is accepted") {
  auto r = parse_items("- ITEM: a\n* **ITEM:** b\n> ITEM: c\n## `ITEM: d`\n1. ITEM: no\n"
                       "**ITEM: e**\nItem: no\nITEMS: no\n**ITEM: unbalanced*\n", 10);
  REQUIRE(r.ok);
  CHECK(r.items == std::vector<std::string>{"a", "b", "c", "d", "e"});
}

TEST_CASE("no item line is an empty list, not an error") {
  auto r = parse_items("Nothing needs researching.\n", 3);
  REQUIRE(r.ok);
  CHECK(r.items.empty());
  CHECK(parse_items("", 1).ok);
}

TEST_CASE("more items than the cap is an error that says both counts") {
  auto r = parse_items("ITEM: a\nITEM: b\nITEM: c\nITEM: d\n", 3);
  CHECK_FALSE(r.ok);
  CHECK(r.error == "4 items, more than the cap of 3");
  CHECK(parse_items("ITEM: a\nITEM: b\nITEM: c\n", 3).ok);
}

TEST_CASE("malformed item lines are errors with their line number") {
  auto empty = parse_items("Topics:\nITEM:   \n", 3);
  CHECK_FALSE(empty.ok);
  CHECK(empty.error == "line 2: `ITEM:` with no item after it");
  auto twice = parse_items("ITEM: a\r\nITEM: a\r\n", 3);
  CHECK_FALSE(twice.ok);
  CHECK(twice.error == "line 2: item `a` is listed twice");
  auto longer = parse_items("ITEM: " + std::string(1001, 'x'), 3);
  CHECK_FALSE(longer.ok);
  CHECK(longer.error == "line 1: an item of 1001 bytes (at most 1000)");
}

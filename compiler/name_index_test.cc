#include "compiler/name_index.h"

#include <catch2/catch.hpp>
#include <string>

namespace flow {
namespace {

TEST_CASE("NameIndex numbers names densely in the order they are added") {
  NameIndex index;
  bool added = false;
  CHECK(index.find("a") == NameIndex::kNone);
  CHECK(index.insert("a", &added) == 0);
  CHECK(added);
  CHECK(index.insert("b", &added) == 1);
  CHECK(index.insert("a", &added) == 0);
  CHECK_FALSE(added);
  CHECK(index.find("b") == 1);
  CHECK(index.find("c") == NameIndex::kNone);
  CHECK(index.name(1) == "b");
  CHECK(index.size() == 2);
}

TEST_CASE("NameIndex keeps every name across growth, long names and empty ones") {
  NameIndex index;
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    REQUIRE(index.insert("step_" + std::to_string(i) + std::string(i % 40, 'x')) ==
            static_cast<uint32_t>(i));
  CHECK(index.insert("") == static_cast<uint32_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string name = "step_" + std::to_string(i) + std::string(i % 40, 'x');
    REQUIRE(index.find(name) == static_cast<uint32_t>(i));
    REQUIRE(index.name(static_cast<uint32_t>(i)) == name);
  }
  CHECK(index.find("") == static_cast<uint32_t>(n));
  CHECK(index.find("step_") == NameIndex::kNone);
}

TEST_CASE("NameIndex reserve keeps lookups working") {
  NameIndex index;
  index.reserve(1000);
  for (int i = 0; i < 3000; ++i) REQUIRE(index.insert(std::to_string(i)) == uint32_t(i));
  for (int i = 0; i < 3000; ++i) REQUIRE(index.find(std::to_string(i)) == uint32_t(i));
}

}  // namespace
}  // namespace flow

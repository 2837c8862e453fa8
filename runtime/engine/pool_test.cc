#include "runtime/engine/pool.h"

#include <catch2/catch.hpp>

using namespace flow::rt;

TEST_CASE("a full pool delays tasks and hands them out in order as slots free up") {
  Pools pools;
  pools.add("opus", 2);
  int p = pools.find("opus");
  REQUIRE(p == 0);
  CHECK(pools.find("haiku") == -1);
  CHECK(pools.acquire(p, {1, -1}));
  CHECK(pools.acquire(p, {2, -1}));
  CHECK_FALSE(pools.acquire(p, {3, -1}));
  CHECK_FALSE(pools.acquire(p, {4, -1}));
  CHECK(pools.delayed_count() == 2);
  Task next;
  REQUIRE(pools.release(p, &next));
  CHECK(next.node == 3);
  REQUIRE(pools.release(p, &next));
  CHECK(next.node == 4);
  CHECK_FALSE(pools.release(p, &next));
  CHECK(pools.pool(p).current == 1);
}

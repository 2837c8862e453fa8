#include "ir/topo_order.h"

#include <catch2/catch.hpp>

namespace flow::ir {
namespace {

std::vector<uint32_t> order_of(const std::vector<std::vector<int>>& deps) {
  return topo_order(deps.size(), [&](size_t i) -> const std::vector<int>& { return deps[i]; });
}

TEST_CASE("topo_order puts dependencies first, ties in index order, first in first out") {
  // 0 <- 2, 1 <- 3, 2 <- 3; 4 has none: roots 0, 1, 4 first, then 2, then 3.
  CHECK(order_of({{}, {}, {0}, {1, 2}, {}}) == std::vector<uint32_t>{0, 1, 4, 2, 3});
  // Deps may point forward in the list.
  CHECK(order_of({{1}, {}}) == std::vector<uint32_t>{1, 0});
  CHECK(order_of({}).empty());
}

TEST_CASE("topo_order leaves out the nodes on a cycle and what waits for them") {
  // 1 and 2 wait for each other; 3 waits for 2; 0 is free.
  CHECK(order_of({{}, {2}, {1}, {2}}) == std::vector<uint32_t>{0});
  Flow f;
  f.nodes.resize(2);
  f.nodes[0].id = 0;
  f.nodes[1].id = 1;
  f.nodes[1].deps = {0};
  CHECK(topo_order(f) == std::vector<uint32_t>{0, 1});
  f.nodes[0].deps = {1};
  CHECK(topo_order(f).empty());
}

}  // namespace
}  // namespace flow::ir

#pragma once
// One topological order, the one every part of flow uses (validation, the checks, the plan,
// the dry run, the report's drawing): Kahn's algorithm, first-in first-out, starting from the
// nodes without dependencies in index order. Linear in nodes and edges.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ir/ir.h"

namespace flow::ir {

// The nodes 0..n-1 in an order where each comes after the nodes `deps(i)` lists (a range of
// integer ids below n). Nodes on a cycle, and those that wait for one, are left out: the order
// is shorter than n exactly when the graph has a cycle.
template <class Deps>
std::vector<uint32_t> topo_order(size_t n, const Deps& deps) {
  std::vector<uint32_t> waiting(n), start(n + 1, 0), users;
  for (size_t i = 0; i < n; ++i)
    for (auto d : deps(i)) {
      ++waiting[i];
      ++start[static_cast<size_t>(d) + 1];
    }
  for (size_t i = 1; i <= n; ++i) start[i] += start[i - 1];
  users.resize(start[n]);
  std::vector<uint32_t> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < n; ++i)
    for (auto d : deps(i)) users[fill[static_cast<size_t>(d)]++] = static_cast<uint32_t>(i);
  std::vector<uint32_t> order;
  order.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (waiting[i] == 0) order.push_back(static_cast<uint32_t>(i));
  for (size_t q = 0; q < order.size(); ++q)
    for (uint32_t k = start[order[q]]; k < start[order[q] + 1]; ++k)
      if (--waiting[users[k]] == 0) order.push_back(users[k]);
  return order;
}

// Over the IR's own `deps`.
inline std::vector<uint32_t> topo_order(const Flow& f) {
  return topo_order(f.nodes.size(), [&](size_t i) -> const std::vector<uint32_t>& {
    return f.nodes[i].deps;
  });
}

}  // namespace flow::ir

#pragma once
// The static worst case of a flow: how many agent calls it can make if every gate fails
// until its retries run out. Each agent step counts once per fan-out item; each gate
// multiplies everything it guards by 1 + retries and adds one reviewer call per review check
// per attempt, and a per-item gate (`review each` on a fan-out) does so for each item. Linear
// in the flow's size times its gate nesting depth.
#include <cstdint>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace flow {

struct CallStats {
  static constexpr uint64_t kCap = 1'000'000'000'000'000'000ULL;  // counts saturate here
  uint64_t calls = 0;        // the bound, when !unbounded (kCap means "at least kCap")
  bool unbounded = false;    // a fan-out over an input with no default list
  std::vector<std::string> unbounded_steps;  // the steps that make it so
  size_t nodes = 0, agent_steps = 0, commands = 0, approvals = 0, gates = 0;
};

CallStats worst_case_calls(const ir::Flow& flow);

}  // namespace flow

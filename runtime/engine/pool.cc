#include "runtime/engine/pool.h"

namespace flow::rt {

void Pools::add(const std::string& name, int depth) {
  int id = find(name);
  if (id >= 0) {
    pools_[id].depth = depth < 1 ? 1 : depth;
    return;
  }
  pools_.push_back({name, depth < 1 ? 1 : depth, 0, {}});
}

int Pools::find(const std::string& name) const {
  for (size_t i = 0; i < pools_.size(); ++i)
    if (pools_[i].name == name) return static_cast<int>(i);
  return -1;
}

bool Pools::acquire(int id, const Task& task) {
  Pool& p = pools_[id];
  if (p.current < p.depth) {
    ++p.current;
    return true;
  }
  p.delayed.push_back(task);
  return false;
}

bool Pools::release(int id, Task* next) {
  Pool& p = pools_[id];
  --p.current;
  if (p.delayed.empty()) return false;
  *next = p.delayed.front();
  p.delayed.pop_front();
  ++p.current;
  return true;
}

size_t Pools::delayed_count() const {
  size_t n = 0;
  for (const Pool& p : pools_) n += p.delayed.size();
  return n;
}

void Pools::set_agent_pool(uint32_t agent, int id) {
  if (agent >= agent_pools_.size()) agent_pools_.resize(agent + 1, -1);
  agent_pools_[agent] = id;
}

int Pools::agent_pool(uint32_t agent) const {
  return agent < agent_pools_.size() ? agent_pools_[agent] : -1;
}

}  // namespace flow::rt

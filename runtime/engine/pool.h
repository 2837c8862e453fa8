#pragma once
// Named pools: at most `depth` tasks of a pool run at once. A task that finds its pool full is
// delayed (kept in the pool's FIFO) and started when a slot frees up; it never fails. Like
// ninja's Pool. Which agent or model goes to which pool is config (config.md).
#include <deque>
#include <string>
#include <vector>

#include "runtime/engine/plan.h"

namespace flow::rt {

struct Pool {
  std::string name;
  int depth = 1;     // maximum concurrent tasks
  int current = 0;   // tasks running now
  std::deque<Task> delayed;
};

class Pools {
 public:
  void add(const std::string& name, int depth);
  int find(const std::string& name) const;  // -1 when there is no such pool
  const Pool& pool(int id) const { return pools_[id]; }
  size_t size() const { return pools_.size(); }

  // True when the task may start now (a slot is taken); false when it was delayed.
  bool acquire(int id, const Task& task);
  // Frees a slot. When a delayed task takes it, returns true and sets *next.
  bool release(int id, Task* next);
  size_t delayed_count() const;

  // The pool each agent's calls wait in, by agent id (ir::Flow::agents); -1 for none.
  void set_agent_pool(uint32_t agent, int id);
  int agent_pool(uint32_t agent) const;

 private:
  std::vector<Pool> pools_;
  std::vector<int> agent_pools_;
};

}  // namespace flow::rt

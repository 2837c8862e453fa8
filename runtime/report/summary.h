#pragma once
// What each step of a run came to, built from the run's events: printed at the end of a run
// and by `flow show`, and given as JSON by `flow show --json` and the report.
#include <map>
#include <string>
#include <vector>

#include "runtime/backends/usage.h"
#include "runtime/store/events.h"

namespace flow::rt {

class Summary {
 public:
  void add(const Event& e);
  // One row per step, its gates folded in (a gate over a block has the block's row), at most
  // `width` columns wide (long step names are shortened in the middle); printable().
  std::string table(size_t width = 79) const;
  const UsageBook& usage() const { return usage_; }
  // Every node on its own, gates too:
  // {"steps": [{step, kind, status, attempts, duration_ms, usage?}], "agents": {...}, "total": {...}},
  // as JSON text (for `flow show --json` and the report).
  std::string to_json() const;

 private:
  struct Row {
    std::string kind, status = "unfinished";
    int attempts = 0;
    int64_t ms = 0;
  };
  struct Line;  // a row of the table: a step with its gates
  std::vector<Line> lines() const;
  std::string table_text(size_t width) const;
  std::vector<std::string> order_;
  std::map<std::string, Row> rows_;
  Row& row(const std::string& step);
  UsageBook usage_;  // calls, and cost and tokens when the backend reports them (a cost column then)
};

}  // namespace flow::rt

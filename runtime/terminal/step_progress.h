#pragma once
// How far a run has got, in the steps a person wrote: a gate is not a step of its own but part
// of the steps it guards, and a step counts as finished once it is done (or skipped) and every
// gate that guards it has passed. A step sent back by a gate is unfinished again. Fed by the
// run's events; what the live view's header and stage line show.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/ir.h"

namespace flow::rt {

struct StageProgress {
  std::string name;
  int total = 0, finished = 0;
};

class StepProgress {
 public:
  explicit StepProgress(const ir::Flow& flow);

  // A step done or skipped, or a gate passed (or skipped).
  void finished(uint32_t node);
  // A step or gate a gate sent back: it runs again.
  void unfinished(uint32_t node);
  // By name, as events name them; unknown names are ignored (an event from a newer flow).
  void finished(const std::string& node);
  void unfinished(const std::string& node);

  int total() const { return total_; }
  int finished_count() const { return finished_; }
  const std::vector<StageProgress>& stages() const { return stages_; }
  // The stage of a node ("" when it has none), for the labels of running steps.
  const std::string& stage_of(const std::string& node) const;

 private:
  bool counts(uint32_t step) const { return done_[step] && open_guards_[step] == 0; }
  void count(uint32_t step, int delta);

  const ir::Flow& flow_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::vector<uint8_t> done_;       // per node: done or skipped (a gate: passed)
  std::vector<int> open_guards_;    // per step: gates guarding it that have not passed
  std::vector<int> stage_;          // per node: index in stages_, -1 for none
  std::vector<StageProgress> stages_;
  int total_ = 0, finished_ = 0;
};

}  // namespace flow::rt

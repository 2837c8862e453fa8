#include "runtime/terminal/step_progress.h"

namespace flow::rt {

StepProgress::StepProgress(const ir::Flow& flow) : flow_(flow) {
  const size_t n = flow.nodes.size();
  done_.assign(n, 0);
  open_guards_.assign(n, 0);
  stage_.assign(n, -1);
  // Per flow stage, its line here: the first stage of a name (a stage only the nodes of a
  // hand-written IR name is no line).
  std::unordered_map<std::string, int> stage_index;
  std::vector<int> line_of(flow.stages.size(), -1);
  for (size_t s = 0; s < flow.stages.size(); ++s) {
    const ir::Stage& st = flow.stages[s];
    if (!st.declared) continue;
    auto [it, fresh] = stage_index.emplace(st.name, static_cast<int>(stages_.size()));
    if (fresh) stages_.push_back({st.name, 0, 0});
    line_of[s] = it->second;
  }
  for (const ir::Node& node : flow.nodes) {
    by_name_.emplace(node.name, node.id);
    if (node.stage < line_of.size()) stage_[node.id] = line_of[node.stage];
    if (node.kind() == ir::NodeKind::Gate) {
      for (uint32_t m : node.gate().members)
        if (m < n && flow.nodes[m].kind() != ir::NodeKind::Gate) ++open_guards_[m];
      continue;
    }
    ++total_;
    if (stage_[node.id] >= 0) ++stages_[stage_[node.id]].total;
  }
}

void StepProgress::count(uint32_t step, int delta) {
  finished_ += delta;
  if (stage_[step] >= 0) stages_[stage_[step]].finished += delta;
}

void StepProgress::finished(uint32_t id) {
  if (id >= done_.size() || done_[id]) return;
  const ir::Node& node = flow_.nodes[id];
  if (node.kind() != ir::NodeKind::Gate) {
    done_[id] = 1;
    if (counts(id)) count(id, +1);
    return;
  }
  done_[id] = 1;
  for (uint32_t m : node.gate().members) {
    if (m >= done_.size() || flow_.nodes[m].kind() == ir::NodeKind::Gate) continue;
    --open_guards_[m];
    if (counts(m)) count(m, +1);
  }
}

void StepProgress::unfinished(uint32_t id) {
  if (id >= done_.size() || !done_[id]) return;
  const ir::Node& node = flow_.nodes[id];
  if (node.kind() != ir::NodeKind::Gate) {
    if (counts(id)) count(id, -1);
    done_[id] = 0;
    return;
  }
  done_[id] = 0;
  for (uint32_t m : node.gate().members) {
    if (m >= done_.size() || flow_.nodes[m].kind() == ir::NodeKind::Gate) continue;
    if (counts(m)) count(m, -1);
    ++open_guards_[m];
  }
}

void StepProgress::finished(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) finished(it->second);
}

void StepProgress::unfinished(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) unfinished(it->second);
}

const std::string& StepProgress::stage_of(const std::string& name) const {
  static const std::string kNoStage;
  auto it = by_name_.find(name);
  if (it == by_name_.end() || stage_[it->second] < 0) return kNoStage;
  return stages_[stage_[it->second]].name;
}

}  // namespace flow::rt

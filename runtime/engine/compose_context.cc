// What a composed call sees of the run: the outputs upstream of a step, the work a gate judges,
// and for a command, the inputs and outputs in its environment.
#include <fmt/format.h>

#include "runtime/engine/compose.h"

namespace flow::rt {

Context Composer::upstream(uint32_t id) {
  // Breadth-first over dependencies, nearest first. Gates and skipped steps have no output of
  // their own; the walk passes through them. Bounded by the budget, so it is O(1) per prompt.
  Context c;
  const ContextBudget& b = env_.budget;
  ++seen_stamp_;
  std::vector<uint32_t> frontier(plan_.deps(id).begin(), plan_.deps(id).end());
  size_t bytes = 0, visited = 0;
  const size_t max_visits = 4 * (b.max_full + b.max_listed) + 64;
  for (size_t i = 0; i < frontier.size(); ++i) {
    uint32_t d = frontier[i];
    if (seen_[d] == seen_stamp_) continue;
    seen_[d] = seen_stamp_;
    if (++visited > max_visits) {
      c.more = true;
      break;
    }
    const ir::Node& dn = flow_.nodes[d];
    bool has_output = dn.kind() != ir::NodeKind::Gate && plan_.node(d).state == State::Done;
    if (has_output && !take(c, dn.name, outputs_.file[d], outputs_.text[d], &bytes)) {
      c.more = true;
      break;
    }
    for (uint32_t dd : plan_.deps(d)) frontier.push_back(dd);
  }
  return c;
}

// What one review of a per-item gate judges: the item's latest output, alone.
Context Composer::item_work(uint32_t gate, int item) {
  Context c;
  size_t bytes = 0;
  const uint32_t fan = plan_.fanout_of(gate);
  const NodeState& fs = plan_.node(fan);
  std::string file = step_file(fan, plan_.task_attempt({fan, item}), item, 'i', ".output.md");
  if (!take(c, fmt::format("{} — {}", flow_.nodes[fan].name, fs.items[item]), file,
            outputs_.items[fan][item], &bytes))
    c.more = true;
  return c;
}

// How a review prompt names the work: the gated step, and for one item, which.
std::string Composer::work_label(const Task& t) const {
  const ir::Node& gate = flow_.nodes[t.node];
  if (t.item < 0) return gate.gate().target;
  const NodeState& fs = plan_.node(plan_.fanout_of(t.node));
  return fmt::format("{}, item {} of {} ({})", gate.gate().target, t.item + 1, fs.items.size(),
                     fs.items[t.item]);
}

Context Composer::gate_work(uint32_t gate) {
  Context c;
  size_t bytes = 0;
  for (uint32_t m : flow_.nodes[gate].gate().members) {
    const ir::Node& mn = flow_.nodes[m];
    if (mn.kind() == ir::NodeKind::Gate || plan_.node(m).state != State::Done) continue;
    if (!take(c, mn.name, outputs_.file[m], outputs_.text[m], &bytes)) c.more = true;
  }
  return c;
}

// Adds one output to a context: in full while the budget lasts; else listed by its absolute
// path (agents work in flow's directory, not the run's), with an excerpt when it alone was
// too big to include. False when even the list is full.
bool Composer::take(Context& c, const std::string& step, const std::string& file,
                    const std::string& text, size_t* bytes) const {
  const ContextBudget& b = env_.budget;
  if (c.full.size() < b.max_full && *bytes + text.size() <= b.max_bytes) {
    c.full.push_back({step, file, &text});
    *bytes += text.size();
    return true;
  }
  if (c.listed.size() >= b.max_listed) return false;
  size_t excerpts = 0;
  for (const Upstream& u : c.listed) excerpts += u.text ? 1 : 0;
  // Only an output that is itself longer than an excerpt: a short one is cheap to open, and
  // huge flows (whose listed outputs are many and short) keep prompts of the same size.
  bool too_big = c.full.size() < b.max_full && excerpts < kMaxExcerpts &&
                 text.size() > kExcerptHead + kExcerptTail;
  c.listed.push_back({step, env_.run_dir + "/" + file, too_big ? &text : nullptr});
  return true;
}

// What a command (a `run` step or a `check` gate) sees of the run (docs/runtime.md,
// "Commands"): each input as FLOW_INPUT_<NAME>, and the output of each finished step upstream
// as a file named by FLOW_OUTPUT_<STEP> (/dev/null for an empty output, which has no file).
// Values are never put into the command's text, so what an input holds cannot run.
std::vector<std::pair<std::string, std::string>> Composer::command_env(uint32_t id) {
  std::vector<std::pair<std::string, std::string>> env{
      {"FLOW_RUN_ID", env_.run_id}, {"FLOW_RUN_DIR", env_.run_dir},
      {"FLOW_STEP", flow_.nodes[id].name}};
  for (const auto& [name, value] : env_.inputs)
    env.emplace_back("FLOW_INPUT_" + ir::env_suffix(name),
                     value.is_string() ? value.get<std::string>() : value.dump());
  // Breadth-first over dependencies, as for an agent's context, but paths are cheap: every
  // finished step up to kMaxOutputs (a bound on the environment's size).
  constexpr size_t kMaxOutputs = 1000;
  ++seen_stamp_;
  std::vector<uint32_t> frontier(plan_.deps(id).begin(), plan_.deps(id).end());
  size_t outputs = 0;
  for (size_t i = 0; i < frontier.size() && outputs < kMaxOutputs; ++i) {
    uint32_t d = frontier[i];
    if (seen_[d] == seen_stamp_) continue;
    seen_[d] = seen_stamp_;
    const ir::Node& dn = flow_.nodes[d];
    if (dn.kind() != ir::NodeKind::Gate && plan_.node(d).state == State::Done) {
      std::string path = outputs_.text[d].empty() || outputs_.file[d].empty()
                             ? std::string("/dev/null")
                             : env_.run_dir + "/" + outputs_.file[d];
      env.emplace_back("FLOW_OUTPUT_" + ir::env_suffix(dn.name), std::move(path));
      ++outputs;
    }
    for (uint32_t dd : plan_.deps(d)) frontier.push_back(dd);
  }
  return env;
}

}  // namespace flow::rt

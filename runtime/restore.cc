// Resuming: replaying a run's events into the plan and the outputs, so finished work is kept
// and only what was unfinished runs again (docs/runtime.md, "The run directory").
#include <fmt/format.h>

#include "runtime/scheduler.h"

namespace flow::rt {
namespace {

// Why an event cannot belong to this flow; "" when it fits. Only what replay relies on is
// checked: every node it names exists and has the right kind, every index is in range.
std::string misfit(const nlohmann::json& e, const ir::Flow& flow, const Plan& plan,
                   const std::unordered_map<std::string, uint32_t>& by_name) {
  const std::string ev = e.value("event", "");
  const bool gate_event = ev == "retry" || ev == "gate_pass" || ev == "exhausted" || ev == "verdict";
  const bool step_event = ev == "done" || ev == "attempt" || ev == "dispatch" || ev == "skip" ||
                          ev == "items" ||
                          ev == "approval" || (ev == "fail" && e.contains("step"));
  if (!gate_event && !step_event) return "";
  const char* key = gate_event ? "gate" : "step";
  auto it = e.find(key);
  if (it == e.end() || !it->is_string()) return fmt::format("no \"{}\" name", key);
  auto f = by_name.find(it->get<std::string>());
  if (f == by_name.end()) return fmt::format("{} `{}` is not in the flow", key, it->get<std::string>());
  const ir::Node& node = flow.nodes[f->second];
  if (gate_event && node.kind != ir::NodeKind::Gate)
    return fmt::format("`{}` is not a gate", node.name);
  auto idx = e.find("index");
  if (idx != e.end() && (ev == "attempt" || ev == "dispatch" || ev == "verdict")) {
    bool indexed = node.kind == ir::NodeKind::Gate || node.is_fanout();
    if (!idx->is_number_integer()) return "the index is not a number";
    int64_t i = idx->get<int64_t>();
    if (!indexed || i < 0 || i >= plan.task_count(f->second))
      return fmt::format("index {} is out of range for `{}`", i, node.name);
  }
  if (ev == "items") {
    auto items = e.find("items");
    if (node.fanout_step.empty()) return fmt::format("`{}` does not fan out over a step", node.name);
    if (items == e.end() || !items->is_array() ||
        items->size() > static_cast<size_t>(node.fanout_cap))
      return "the items are not a list within the cap";
    for (const nlohmann::json& i : *items)
      if (!i.is_string()) return "an item is not a string";
  }
  auto at = e.find("attempt");
  if (at != e.end() && (!at->is_number_integer() || at->get<int64_t>() < 1))
    return "the attempt is not a positive number";
  return "";
}

}  // namespace

bool Scheduler::restore(const std::vector<nlohmann::json>& events, std::string* error) {
  // Check everything first, so that a log that does not fit changes nothing.
  for (size_t i = 0; i < events.size(); ++i) {
    std::string why = misfit(events[i], flow_, plan_, by_name_);
    if (!why.empty()) {
      *error = fmt::format("events.jsonl: event {} (seq {}, \"{}\") does not fit the flow in "
                           "ir.json: {}", i + 1, events[i].value("seq", int64_t{0}),
                           events[i].value("event", ""), why);
      return false;
    }
  }
  auto node_of = [&](const nlohmann::json& e, const char* key) {
    return by_name_.at(e.at(key).get<std::string>());
  };
  // A recorded output only counts if the file is there and matches its hash; a missing file is
  // empty text only when the hash says the output was empty.
  auto load = [&](const nlohmann::json& e, std::string* text) {
    std::string rel = e.value("output", ""), hash = e.value("output_hash", "");
    if (hash == output_hash("")) {  // empty outputs have no file
      text->clear();
      return true;
    }
    return !rel.empty() && read_file(env_.run_dir + "/" + rel, text) && output_hash(*text) == hash;
  };
  gate_seen_.assign(flow_.nodes.size(), 0);
  for (const nlohmann::json& e : events) {
    std::string ev = e.value("event", "");
    if (ev == "dispatch" || ev == "attempt" || ev == "verdict") {
      uint32_t g = node_of(e, ev == "verdict" ? "gate" : "step");
      if (flow_.nodes[g].kind == ir::NodeKind::Gate)
        gate_seen_[g] = std::max(gate_seen_[g], e.value("attempt", 0));
    }
    if (ev == "done") {
      uint32_t id = node_of(e, "step");
      std::string text;
      // Lost or damaged: run it again. A fan-out whose items all verify is rebuilt from them
      // when the run starts (Scheduler::finish_untasked), so its consumers get the real text.
      if (!load(e, &text)) continue;
      output_[id] = std::move(text);
      output_file_[id] = e.value("output", "");
      plan_.restore_done(id);
    } else if (ev == "attempt") {
      uint32_t id = node_of(e, "step");
      if (!e.value("ok", false) || e.value("kind", "") != "agent" || !e.contains("index") ||
          e.value("attempt", 0) != plan_.node(id).attempt)
        continue;
      int index = e["index"].get<int>();
      if (index >= static_cast<int>(item_output_[id].size())) continue;  // not a chosen item
      std::string text;
      if (!load(e, &text)) continue;
      item_output_[id][index] = std::move(text);
      plan_.restore_item(id, index);
    } else if (ev == "items") {
      // The items chosen for this attempt; a later `retry` that re-runs the step forgets them.
      uint32_t id = node_of(e, "step");
      if (e.value("attempt", 0) != plan_.node(id).attempt) continue;
      std::vector<std::string> items = e["items"].get<std::vector<std::string>>();
      item_output_[id].assign(items.size(), std::string());
      plan_.restore_items(id, std::move(items));
    } else if (ev == "retry") {
      plan_.send_back(node_of(e, "gate"), e.value("feedback", ""));
    } else if (ev == "gate_pass") {
      plan_.restore_done(node_of(e, "gate"));
      if (e.value("unapproved", false)) plan_.restore_unapproved(node_of(e, "gate"));
    }
  }
  // A gate's attempt counts its evaluations: one that runs again after a resume gets a new
  // number, so the files of earlier evaluations are kept.
  for (uint32_t id = 0; id < flow_.nodes.size(); ++id)
    if (gate_seen_[id] > 0) plan_.restore_attempt(id, gate_seen_[id] + 1);
  return true;
}

}  // namespace flow::rt

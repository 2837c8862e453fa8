// Resuming: replaying a run's events into the plan and the outputs, so finished work is kept
// and only what was unfinished runs again (docs/runtime.md, "The run directory").
#include "runtime/scheduler.h"

namespace flow::rt {

bool Scheduler::restore(const std::vector<nlohmann::json>& events, std::string* error) {
  auto node_of = [&](const nlohmann::json& e, const char* key, uint32_t* id) {
    auto it = e.find(key);
    if (it == e.end() || !it->is_string()) return false;
    auto f = by_name_.find(it->get<std::string>());
    if (f == by_name_.end()) return false;
    *id = f->second;
    return true;
  };
  // A recorded output only counts if the file is there and matches its hash.
  auto load = [&](const nlohmann::json& e, std::string* text) {
    std::string rel = e.value("output", ""), hash = e.value("output_hash", "");
    if (hash == output_hash("")) {  // empty outputs have no file
      text->clear();
      return true;
    }
    return !rel.empty() && read_file(env_.run_dir + "/" + rel, text) && output_hash(*text) == hash;
  };
  for (const nlohmann::json& e : events) {
    std::string ev = e.value("event", "");
    uint32_t id = 0;
    if (ev == "done") {
      if (!node_of(e, "step", &id)) continue;
      std::string text;
      if (!load(e, &text)) continue;  // lost or damaged: run it again
      output_[id] = std::move(text);
      output_file_[id] = e.value("output", "");
      plan_.restore_done(id);
    } else if (ev == "attempt") {
      if (!e.value("ok", false) || e.value("kind", "") != "agent" || !e.contains("index") ||
          !node_of(e, "step", &id) || e.value("attempt", 0) != plan_.node(id).attempt)
        continue;
      int index = e["index"].get<int>();
      if (index < 0 || index >= static_cast<int>(item_output_[id].size())) continue;
      std::string text;
      if (!load(e, &text)) continue;
      item_output_[id][index] = std::move(text);
      plan_.restore_item(id, index);
    } else if (ev == "retry") {
      if (!node_of(e, "gate", &id)) continue;
      plan_.send_back(id, e.value("feedback", ""));
    } else if (ev == "gate_pass") {
      if (!node_of(e, "gate", &id)) continue;
      plan_.restore_done(id);
    }
  }
  (void)error;
  return true;
}

}  // namespace flow::rt

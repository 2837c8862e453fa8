#include "runtime/store/runs.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "runtime/store/run_store.h"

namespace flow::rt {

using json = nlohmann::json;

std::vector<std::string> run_ids(const std::string& root) {
  std::vector<std::string> ids;
  DIR* d = opendir(root.c_str());
  if (!d) return ids;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != ".." && access((root + "/" + name + "/run.json").c_str(), R_OK) == 0)
      ids.push_back(name);
  }
  closedir(d);
  // Ids sort by the second; the start time in run.json (ms) orders runs within one second.
  std::vector<std::pair<std::string, std::string>> keyed;
  for (const std::string& id : ids) {
    std::string text, started;
    if (read_file(root + "/" + id + "/run.json", &text)) {
      json meta = json::parse(text, nullptr, false);
      if (meta.is_object()) started = meta.value("started", "");
    }
    keyed.emplace_back(id.substr(0, 15) + started, id);
  }
  std::sort(keyed.begin(), keyed.end());
  ids.clear();
  for (auto& [key, id] : keyed) ids.push_back(std::move(id));
  return ids;
}

RunMeta meta_of(const std::string& dir) {
  RunMeta m;
  std::string text;
  if (!read_file(dir + "/run.json", &text)) return m;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.empty()) return m;
  auto text_of = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  };
  m.found = true;
  m.flow = text_of("flow");
  m.status = text_of("status");
  m.started = text_of("started");
  return m;
}

std::string step_output_file(const std::string& dir, const std::string& step, bool* found,
                             std::vector<std::string>* steps, std::string* err) {
  std::string done, last;
  bool finished = false;
  scan_event_log(dir + "/events.jsonl", [&](const Event& e) {
    const auto* d = std::get_if<ev::Done>(&e.body);
    const auto* a = std::get_if<ev::Attempt>(&e.body);
    const std::string& name = d ? d->step : a ? a->at.step : "";
    if (name.empty()) return;
    if (std::find(steps->begin(), steps->end(), name) == steps->end()) steps->push_back(name);
    if (name != step) return;
    *found = true;
    // An empty answer has no file (the hash of "" says so): nothing to print.
    if (d) {
      finished = true;
      done = d->output_hash == output_hash("") ? "" : d->output;
    } else {
      last = a->output_hash == output_hash("") ? "" : a->output.value_or("");
    }
  }, err);
  return finished ? done : last;
}

std::vector<std::string> steps_that_ran(const std::string& run_dir) {
  std::vector<std::string> steps;
  bool found = false;
  std::string err;
  step_output_file(run_dir, "", &found, &steps, &err);  // "" names no step: only the list
  return steps;
}

std::string latest_unfinished_run(const std::string& root) {
  std::vector<std::string> ids = run_ids(root);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it)
    if (meta_of(root + "/" + *it).status != "succeeded") return *it;
  return "";
}

std::string latest_run(const std::string& root) {
  std::vector<std::string> ids = run_ids(root);
  return ids.empty() ? "" : ids.back();
}

}  // namespace flow::rt

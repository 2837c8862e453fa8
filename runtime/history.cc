#include "runtime/history.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/run_store.h"
#include "runtime/status.h"

namespace flow::rt {
namespace {

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
  std::sort(ids.begin(), ids.end());
  return ids;
}

json meta_of(const std::string& dir) {
  std::string text;
  if (!read_file(dir + "/run.json", &text)) return json::object();
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

// "running" in run.json but nobody holds the lock: the process died (kill -9, power loss).
std::string live_status(const std::string& dir, const json& meta) {
  std::string s = meta.value("status", "unknown");
  if (s == "running" && !run_is_locked(dir)) return "crashed";
  return s;
}

}  // namespace

std::string latest_unfinished_run(const std::string& root) {
  std::vector<std::string> ids = run_ids(root);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it)
    if (meta_of(root + "/" + *it).value("status", "") != "succeeded") return *it;
  return "";
}

std::string summary_table(const std::string& dir) {
  EventsRead r = read_events(dir + "/events.jsonl");
  Summary s;
  for (const json& e : r.events) s.add(e);
  return s.table();
}

int list_runs_command(const std::string& root) {
  std::vector<std::string> ids = run_ids(root);
  if (ids.empty()) {
    std::printf("no runs under %s\n", root.c_str());
    return 0;
  }
  std::printf("%-22s  %-24s  %-11s  %-24s  %s\n", "run", "flow", "status", "started", "duration");
  for (const std::string& id : ids) {
    std::string dir = root + "/" + id;
    json meta = meta_of(dir);
    std::string duration = "-";
    EventsRead r = read_events(dir + "/events.jsonl");
    if (r.ok && !r.events.empty() && r.events.front().contains("ts")) {
      // Sum of the ms of each process's last event: resumed runs count only time spent running.
      int64_t total = 0, last = 0;
      for (const json& e : r.events) {
        int64_t ms = e.value("ms", int64_t{0});
        if (ms < last) total += last;
        last = ms;
      }
      duration = fmt::format("{:.1f}s", (total + last) / 1000.0);
    }
    std::printf("%-22s  %-24s  %-11s  %-24s  %s\n", id.c_str(), meta.value("flow", "?").c_str(),
                live_status(dir, meta).c_str(), meta.value("started", "?").c_str(), duration.c_str());
  }
  return 0;
}

int show_run_command(const std::string& root, const std::string& run) {
  std::string dir = root + "/" + run;
  json meta = meta_of(dir);
  if (meta.empty()) {
    std::fprintf(stderr, "flow: no run %s under %s (see `flow runs`)\n", run.c_str(), root.c_str());
    return 2;
  }
  EventsRead r = read_events(dir + "/events.jsonl");
  std::printf("run %s of flow %s: %s (started %s)\n\n", run.c_str(), meta.value("flow", "?").c_str(),
              live_status(dir, meta).c_str(), meta.value("started", "?").c_str());
  Summary s;
  for (const json& e : r.events) s.add(e);
  std::fputs(s.table().c_str(), stdout);
  std::printf("\nevents (%s/events.jsonl):\n", dir.c_str());
  for (const json& e : r.events) std::printf("%s\n", format_event(e).c_str());
  if (!r.ok) std::fprintf(stderr, "flow: %s\n", r.error.c_str());
  return r.ok ? 0 : 1;
}

}  // namespace flow::rt

#include "commands/history.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "runtime/report/summary.h"
#include "runtime/store/approvals.h"
#include "runtime/store/runs.h"
#include "runtime/terminal/printable.h"
#include "runtime/store/run_store.h"
#include "runtime/report/run_view.h"
#include "runtime/terminal/status.h"
#include "runtime/terminal/terminal_text.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// A field of run.json as the listings print it: "?" when it is not there.
std::string or_unknown(const std::string& text) { return text.empty() ? "?" : text; }

// The per-step table built from DIR/events.jsonl.
std::string summary_table(const std::string& dir) {
  Summary s;
  std::string err;
  scan_event_log(dir + "/events.jsonl", [&](const Event& e) { s.add(e); }, &err);
  return s.table(isatty(1) ? terminal_columns(1) - 1 : 79);
}

}  // namespace

int list_runs_command(const std::string& root) {
  std::vector<std::string> ids = run_ids(root);
  if (ids.empty()) {
    std::printf("no runs under %s\n", root.c_str());
    return 0;
  }
  std::printf("%-22s  %-24s  %-11s  %-24s  %s\n", "run", "flow", "status", "started", "duration");
  for (const std::string& id : ids) {
    std::string dir = root + "/" + id;
    RunMeta meta = meta_of(dir);
    std::string duration = "-";
    // Sum over the processes that ran it (ms restarts at each resume): time spent running.
    int64_t total = 0, last = 0;
    bool any = false;
    std::string err;
    scan_event_log(dir + "/events.jsonl", [&](const Event& e) {
      int64_t ms = e.ms;
      if (ms < last) total += last;
      last = ms;
      any = true;
    }, &err);
    if (any) duration = fmt::format("{:.1f}s", (total + last) / 1000.0);
    std::printf("%-22s  %-24s  %-11s  %-24s  %s\n", printable(id).c_str(),
                printable(or_unknown(meta.flow)).c_str(), run_live_status(dir, meta.status).c_str(),
                printable(or_unknown(meta.started)).c_str(), duration.c_str());
    for (const ApprovalRequest& r : pending_requests(dir))
      std::printf("  waiting: approval of %s (flow approve %s %s, or flow reject ... --feedback "
                  "TEXT)\n", printable(r.step).c_str(), printable(id).c_str(),
                  printable(r.step).c_str());
  }
  return 0;
}

int show_run_command(const std::string& root, const std::string& run) {
  std::string dir = root + "/" + run;
  RunMeta meta = meta_of(dir);
  if (!meta.found) {
    std::fprintf(stderr, "flow: no run %s under %s (see `flow runs`)\n", run.c_str(), root.c_str());
    return 2;
  }
  // run.json and events.jsonl are files anyone can edit: printed through printable() too.
  std::printf("run %s of flow %s: %s (started %s)\n\n", printable(run).c_str(),
              printable(or_unknown(meta.flow)).c_str(), printable(run_live_status(dir, meta.status)).c_str(),
              printable(or_unknown(meta.started)).c_str());
  std::fputs(summary_table(dir).c_str(), stdout);
  for (const ApprovalRequest& r : pending_requests(dir))
    std::printf("\nwaiting: approval of %s since %s\n  question: %s\n  answer: flow approve %s "
                "%s [--comment TEXT], or flow reject %s %s --feedback TEXT\n",
                printable(r.step).c_str(), printable(r.since).c_str(),
                printable(r.question).c_str(), printable(run).c_str(), printable(r.step).c_str(),
                printable(run).c_str(), printable(r.step).c_str());
  std::printf("\nevents (%s/events.jsonl):\n", dir.c_str());
  std::string err;
  bool ok = scan_event_log(dir + "/events.jsonl",
                           [](const Event& e) { std::printf("%s\n", format_event(e).c_str()); }, &err);
  if (!ok) std::fprintf(stderr, "flow: %s\n", err.c_str());
  return ok ? 0 : 1;
}

int show_step_output_command(const std::string& root, const std::string& run,
                              const std::string& step) {
  std::string dir = root + "/" + run;
  if (!meta_of(dir).found) {
    std::fprintf(stderr, "flow: no run %s under %s (see `flow runs`)\n", printable(run).c_str(),
                 root.c_str());
    return 2;
  }
  bool found = false;
  std::vector<std::string> steps;
  std::string err;
  std::string rel = step_output_file(dir, step, &found, &steps, &err);
  if (!err.empty()) {
    std::fprintf(stderr, "flow: %s\n", printable(err).c_str());
    return 1;
  }
  if (!found) {
    std::string names;
    for (const std::string& n : steps) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "flow: run %s has no step `%s`; its steps: %s\n", printable(run).c_str(),
                 printable(step).c_str(), names.empty() ? "(none ran)" : printable(names).c_str());
    return 2;
  }
  if (rel.empty()) return 0;  // the step answered nothing: empty outputs have no file
  std::string text;
  if (!read_file(dir + "/" + rel, &text)) {
    std::fprintf(stderr, "flow: cannot read %s/%s\n", dir.c_str(), printable(rel).c_str());
    return 1;
  }
  // An agent's text is data: it reaches the terminal without its control sequences.
  std::string out = printable(text);
  if (!out.empty() && out.back() != '\n') out += '\n';
  std::fputs(out.c_str(), stdout);
  return 0;
}

int show_run_json_command(const std::string& root, const std::string& run) {
  std::string dir = root + "/" + run;
  RunMeta meta = meta_of(dir);
  if (!meta.found) {
    std::fprintf(stderr, "flow: no run %s under %s (see `flow runs`)\n", run.c_str(), root.c_str());
    return 2;
  }
  Summary s;
  std::string err;
  bool ok = scan_event_log(dir + "/events.jsonl", [&](const Event& e) { s.add(e); }, &err);
  if (!ok) {
    std::fprintf(stderr, "flow: %s\n", err.c_str());
    return 1;
  }
  ojson out{{"run", run}, {"flow", meta.flow}, {"status", run_live_status(dir, meta.status)},
            {"started", meta.started}, {"dir", dir}};
  ojson summary = ojson::parse(s.to_json());
  for (auto& [key, value] : summary.items()) out[key] = value;
  std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  return 0;
}

}  // namespace flow::rt

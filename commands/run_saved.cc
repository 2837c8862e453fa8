#include <unistd.h>

#include <climits>
#include <cstdio>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "runtime/store/runs.h"
#include "runtime/terminal/printable.h"
#include "commands/run.h"
#include "commands/run_setup.h"
#include "runtime/store/run_store.h"
#include "runtime/engine/scheduler.h"
#include "runtime/processes/signals.h"

namespace flow::rt {

using json = nlohmann::json;

namespace {

// A saved run as its run directory holds it, its backends set up as the run was started:
// what `flow resume` and `flow run-node` carry on. The events come back in `events`.
struct SavedRun {
  EventLogRead events;
  int64_t next_seq = 1;
  nlohmann::json options;  // run.json's "options"
};

std::string find_run(const std::string& given, const std::string& root) {
  if (!given.empty() && given != "last") return given;
  // `last`, as `flow show` and `flow approve` take it
  std::string id = latest_unfinished_run(root);
  if (id.empty()) run_error("no unfinished run under " + root + " (see `flow runs`)");
  return id;
}

// Reads run.json and ir.json of run `id`; false (with a message) when the run cannot go on.
bool load_run_files(RunState& s, const std::string& id, const std::string& root,
                    bool succeeded_ok = false) {
  s.run_id = id;
  s.dir = absolute(root + "/" + id);
  std::string text;
  if (s.dir.empty() || !read_file(s.dir + "/run.json", &text)) {
    run_error("no run " + id + " under " + root + " (see `flow runs`)");
    return false;
  }
  s.meta = json::parse(text, nullptr, false);
  if (!s.meta.is_object()) {
    run_error(s.dir + "/run.json is damaged");
    return false;
  }
  if (s.meta.value("status", "") == "succeeded" && !succeeded_ok) {
    run_error("run " + id + " already succeeded; nothing to resume");
    return false;
  }
  if (!read_file(s.dir + "/ir.json", &text)) {
    run_error("cannot read " + s.dir + "/ir.json");
    return false;
  }
  ir::ReadResult ir = ir::from_json_text(text);
  std::string problem;
  if (!ir.ok || !ir::validate(ir.flow, &problem)) {
    run_error(s.dir + "/ir.json: " + (ir.ok ? problem : ir.error));
    return false;
  }
  s.flow = std::move(ir.flow);
  // Inputs were checked when the run started; take them back in the IR's order.
  const json& saved = s.meta["inputs"];
  for (const ir::Input& in : s.flow.inputs)
    if (saved.is_object() && saved.contains(in.name)) s.inputs.emplace_back(in.name, saved[in.name]);
  return true;
}

// The rest of loading a saved run, once `s.router.api` has the --record/--replay options:
// backends and budgets as the run was started (new budgets, if given, are kept), its events.
// Returns kExitOk, or the exit code of what went wrong (said on stderr).
int load_saved_run(RunState& s, const std::string& max_cost, const std::string& max_tokens,
                    SavedRun* out) {
  out->options = s.meta.value("options", json::object());
  const json& opt = out->options;
  if (!enter_run_cwd(s) || !check_config(opt)) return kExitUsage;
  SimOptions sim;
  sim_from_json(opt.value("sim", json::object()), &sim);
  if (!setup_router(s, opt.value("config", ""), opt.value("backend", ""), &sim)) return kExitUsage;
  if (!backends_ready(s)) return kExitUsage;
  load_budgets(opt, &s.limits);
  if (!budget_options(max_cost, max_tokens, &s.limits)) return kExitUsage;
  add_rule_budgets(s.flow, &s.limits);
  save_budgets(s.limits, &s.meta);
  out->events = read_event_log(s.dir + "/events.jsonl");
  if (!out->events.ok) {
    run_error(out->events.error);
    return kExitFailed;
  }
  for (const Event& e : out->events.events) out->next_seq = std::max(out->next_seq, e.seq + 1);
  return kExitOk;
}

// The node of `flow run-node` by its name (a step, or a gate as `STEP/gate`).
std::optional<uint32_t> find_node(const ir::Flow& flow, const std::string& name) {
  for (const ir::Node& n : flow.nodes)
    if (n.name == name) return n.id;
  std::string names;
  for (const ir::Node& n : flow.nodes)
    if (names.size() < 400) names += (names.empty() ? "" : ", ") + n.name;
  run_error(fmt::format("the flow has no node `{}`; its nodes are: {}\n  (`flowc graph` draws "
                        "them in order)", name, names));
  return std::nullopt;
}

// `flow run-node` on a run that has succeeded: every node finished (or was skipped); say
// which, as if it had just run, since an engine may run a task again after its process died.
int finished_node(const RunState& s, uint32_t node, const std::string& result_file) {
  std::string outcome = s.flow.nodes[node].kind() == ir::NodeKind::Gate ? "passed" : "done";
  std::string err;
  scan_event_log(s.dir + "/events.jsonl", [&](const Event& e) {
    const auto* skip = std::get_if<ev::Skip>(&e.body);
    if (skip && skip->step == s.flow.nodes[node].name) outcome = "skipped";
  }, &err);
  std::printf("run %s: has succeeded; node `%s` %s\n", s.run_id.c_str(),
              printable(s.flow.nodes[node].name).c_str(), outcome.c_str());
  return write_result(s, result_file, node, outcome, true) ? kExitOk : kExitFailed;
}

}  // namespace

int resume_command(const ResumeRequest& req) {
  block_signals();
  ignore_file_size_signal();
  const std::string id = find_run(req.run, req.run_root);
  if (id.empty()) return kExitUsage;
  RunState s;
  // Before entering the run's directory: the paths are relative to where flow was started.
  if (!api_options(req.record_dir, req.replay_dir, &s.router.api)) return kExitUsage;
  SavedRun saved;
  if (!load_run_files(s, id, req.run_root)) return kExitUsage;
  if (int code = load_saved_run(s, req.max_cost, req.max_tokens, &saved); code != kExitOk)
    return code;
  ExecuteOptions o;
  o.jobs = req.jobs > 0 ? req.jobs : saved.options.value("jobs", default_jobs());
  o.yes = req.yes || saved.options.value("yes", false);
  o.json = req.json;
  o.resumed = true;
  o.wait_approvals = approvals_mode(req.approvals, saved.options.value("approvals", ""),
                                    s.router.config) != "stop";
  return execute(s, o, saved.events.events, saved.next_seq);
}

int run_node_command(const RunNodeRequest& req) {
  block_signals();
  ignore_file_size_signal();
  const std::string id = find_run(req.run, req.run_root);
  if (id.empty()) return kExitUsage;
  RunState s;
  std::string result_file = req.result_file;
  if (!result_file.empty() && result_file[0] != '/') {
    // Relative to where flow was started, not to the run's directory it then enters.
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) result_file = std::string(cwd) + "/" + result_file;
  }
  SavedRun saved;
  if (!load_run_files(s, id, req.run_root, true)) return kExitUsage;
  std::optional<uint32_t> node = find_node(s.flow, req.node);
  if (!node) return kExitUsage;
  if (s.meta.value("status", "") == "succeeded") return finished_node(s, *node, result_file);
  if (int code = load_saved_run(s, "", "", &saved); code != kExitOk) return code;
  ExecuteOptions o;
  o.jobs = 1;
  o.yes = req.yes || saved.options.value("yes", false);
  o.json = req.json;
  o.resumed = true;
  o.stepping = true;
  o.only_node = node;
  o.result_file = result_file;
  o.wait_approvals = approvals_mode("", saved.options.value("approvals", ""), s.router.config) != "stop";
  return execute(s, o, saved.events.events, saved.next_seq);
}

}  // namespace flow::rt

#include "commands/run.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "lang/text.h"
#include "runtime/backends/config.h"
#include "runtime/engine/dry_run.h"
#include "runtime/store/runs.h"
#include "runtime/engine/inputs.h"
#include "runtime/engine/plan.h"
#include "runtime/engine/pool.h"
#include "runtime/terminal/printable.h"
#include "runtime/backends/router.h"
#include "runtime/report/otlp_live.h"
#include "runtime/terminal/output_style.h"
#include "commands/run_setup.h"
#include "runtime/store/run_store.h"
#include "runtime/engine/scheduler.h"
#include "runtime/processes/signals.h"
#include "runtime/terminal/terminal_text.h"
#include "runtime/backends/sim_targets.h"
#include "runtime/terminal/status.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

// Sim options: the config file's (flow.yaml when none is named), then the command line's on
// top. `*config_path` becomes the config file's absolute path, "" when there is none.
bool sim_options(const RunRequest& req, const ir::Flow& flow, std::string* config_path,
                 SimOptions* out) {
  SimOptions& sim = *out;
  std::string& path = *config_path;
  path = req.config_path;
  if (path.empty() && access("flow.yaml", R_OK) == 0) path = "flow.yaml";
  if (!path.empty()) {
    ConfigResult c = load_config(path);
    if (!c.ok) {
      run_error(c.error);
      return false;
    }
    sim = c.config.sim;
    // Resume reads the same file from anywhere, and can tell when it was edited since.
    path = absolute(path);
  }
  if (req.sim_seed) sim.seed = *req.sim_seed;
  if (!req.sim_latency.empty() &&
      !parse_sim_latency(req.sim_latency, &sim.latency_min_ms, &sim.latency_max_ms)) {
    run_error("--sim-latency expects milliseconds (100) or a range (50-200), got \"" + req.sim_latency + "\"");
    return false;
  }
  std::vector<SimFailReview> fail_review;
  for (const std::string& f : req.sim_fail_review) {
    SimFailReview r;
    if (!parse_sim_fail_review(f, &r)) {
      run_error("--sim-fail-review expects STEP or STEP:N, got \"" + f + "\"");
      return false;
    }
    fail_review.push_back(r);
  }
  std::vector<SimFailReview> items;
  for (const std::string& f : req.sim_items) {
    SimFailReview r;
    if (!parse_sim_fail_review(f, &r) || f.find(':') == std::string::npos) {
      run_error("--sim-items expects STEP:K, got \"" + f + "\"");
      return false;
    }
    items.push_back(r);
  }
  std::string sim_error;
  if (!check_sim_targets(flow, fail_review, req.sim_fail_step, &sim_error) ||
      !check_sim_items(flow, items, &sim_error)) {
    run_error(sim_error);
    return false;
  }
  sim.fail_review.insert(sim.fail_review.end(), fail_review.begin(), fail_review.end());
  sim.items.insert(sim.items.end(), items.begin(), items.end());
  for (const std::string& f : req.sim_fail_step) sim.fail_step.push_back(f);
  if (!req.sim_cost.empty() && !parse_cost(req.sim_cost, &sim.cost_per_call)) {
    run_error("--sim-cost expects US dollars per call such as 0.01, got \"" + req.sim_cost + "\"");
    return false;
  }
  if (!req.sim_tokens.empty() && !parse_tokens(req.sim_tokens, &sim.tokens_per_call)) {
    run_error("--sim-tokens expects a whole number of tokens per call, got \"" + req.sim_tokens + "\"");
    return false;
  }
  return true;
}

// `flow run --dry-run`: the plan, and the inputs a real run would still need.
int dry_run(const RunState& s, const std::vector<std::string>& missing) {
  Plan plan(s.flow, s.inputs);
  if (!plan.error().empty()) {
    run_error(plan.error());
    return kExitUsage;
  }
  std::fputs(printable(describe_plan(plan, s.router)).c_str(), stdout);
  std::fputs(printable("Budgets: " + describe_budgets(s.limits) + "\n").c_str(), stdout);
  for (const std::string& m : missing)
    std::printf("Input `%s` was not given: the plan assumes a placeholder (a fan-out over it "
                "counts 0 items); a real run needs --input %s=VALUE\n", m.c_str(), m.c_str());
  return kExitOk;
}

// `rule at most N calls` against the worst case with the inputs given (a fan-out over a list
// input counts its items, one over a step's answer its cap): a run that could break the rule
// does not start.
bool calls_fit(const RunState& s) {
  if (!s.limits.calls) return true;
  Plan plan(s.flow, s.inputs);
  if (!plan.error().empty()) return true;  // execute() reports it
  int64_t bound = worst_case_calls(plan);
  if (bound <= *s.limits.calls) return true;
  run_error(fmt::format("{}: error: rule `at most {} calls` cannot hold for these inputs: the run "
                    "could make up to {} agent calls\n  give fewer items to the list inputs, or "
                    "raise the limit of the rule; `flow run --dry-run` shows the count",
                    s.limits.calls_rule, *s.limits.calls, bound));
  return false;
}

// A run id given with --run-id names a directory: letters, digits, `.`, `_`, `-`.
bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 100 || id[0] == '.' || id[0] == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// The run's directory with steps/ in it: a new id's, or --run-id's (checked unused before).
bool make_run_dir(RunState& s, const std::string& given, const std::string& root) {
  std::string err;
  for (int tries = 0;; ++tries) {
    s.run_id = given.empty() ? new_run_id() : given;
    s.dir = root + "/" + s.run_id;
    if (make_dirs(s.dir + "/steps", &err) && access((s.dir + "/ir.json").c_str(), F_OK) != 0)
      return true;
    if (!given.empty() || tries > 20) {
      run_error(err);
      return false;
    }
  }
}

// Creates the run's directory and records what resume needs, then runs it.
int start_run(RunState& s, const RunRequest& req, const std::string& path, const SimOptions& sim,
              int jobs, const std::string& ir_text) {
  std::string err;
  if (!make_dirs(req.run_root, &err)) {
    run_error(err);
    return kExitFailed;
  }
  const std::string root = absolute(req.run_root);
  char cwd[PATH_MAX];
  if (root.empty() || !::getcwd(cwd, sizeof cwd)) {
    run_error("cannot resolve the run directory " + req.run_root + ": " + std::strerror(errno));
    return kExitFailed;
  }
  std::string config_hash;
  if (!path.empty()) {
    std::string text;
    if (read_file(path, &text)) config_hash = output_hash(text);
  }
  if (!req.run_id.empty() && access((root + "/" + req.run_id + "/ir.json").c_str(), F_OK) == 0) {
    run_error("run " + req.run_id + " exists already under " + root + "; carry it on with `flow "
              "run-node " + req.run_id + " NODE` or `flow resume " + req.run_id + "`, or choose "
              "another --run-id");
    return kExitUsage;
  }
  if (!make_run_dir(s, req.run_id, root)) return kExitFailed;
  // ir.json and run.json first: from here on, whatever happens, `flow resume` has what it needs.
  if (!write_file_atomic(s.dir + "/ir.json", ir_text, true, &err)) {
    run_error(err);
    return kExitFailed;
  }
  json inputs_json = json::object();
  for (const auto& [k, v] : s.inputs) inputs_json[k] = v;
  const std::string approvals = approvals_mode(req.approvals, "", s.router.config);
  s.meta = {{"id", s.run_id},   {"flow", s.flow.name},     {"file", req.file},
            {"status", "running"}, {"started", iso_time_now()}, {"ended", nullptr},
            {"cwd", cwd},          {"inputs", inputs_json},
            {"options", {{"jobs", jobs}, {"backend", req.backend}, {"config", path},
                         {"config_hash", config_hash}, {"yes", req.yes}, {"sim", sim_json(sim)},
                         {"approvals", approvals}}}};
  save_budgets(s.limits, &s.meta);
  ExecuteOptions o;
  o.jobs = jobs;
  o.yes = req.yes;
  o.json = req.json;
  o.wait_approvals = approvals != "stop";
  o.stepping = req.prepare;
  return execute(s, o, {}, 1);
}

}  // namespace

int run_command(const RunRequest& req) {
  block_signals();
  ignore_file_size_signal();
  // run.json records these names as JSON strings, which must be UTF-8.
  for (const std::string* name : {&req.file, &req.config_path})
    if (!text::encoding_errors(*name).empty()) {
      run_error("the file name \"" + *name + "\" is not UTF-8; rename the file (e.g. with "
            "convmv or mv) to run it");
      return kExitUsage;
    }
  if (!req.run_id.empty() && !valid_run_id(req.run_id)) {
    run_error("--run-id \"" + req.run_id + "\" is not a run id: use letters, digits, `.`, `_` and "
              "`-`, starting with a letter or digit (at most 100)");
    return kExitUsage;
  }
  RunState s;
  s.otlp_endpoint = req.otlp_endpoint;
  std::string ir_text;
  std::optional<ir::Flow> flow = load_flow(req.file, &ir_text, req.compile_source);
  if (!flow) return kExitUsage;
  s.flow = std::move(*flow);
  std::vector<std::string> missing;
  InputsResult inputs = resolve_inputs(s.flow, req.inputs, req.dry_run, &missing);
  if (!inputs.ok) {
    run_error(inputs.error);
    return kExitUsage;
  }
  s.inputs = std::move(inputs.values);
  int jobs = req.jobs > 0 ? req.jobs : default_jobs();

  SimOptions sim;
  std::string path;
  if (!sim_options(req, s.flow, &path, &sim)) return kExitUsage;
  if (!api_options(req.record_dir, req.replay_dir, &s.router.api)) return kExitUsage;
  if (!setup_router(s, path, req.backend, &sim)) return kExitUsage;
  if (!budget_options(req.max_cost, req.max_tokens, &s.limits)) return kExitUsage;
  add_rule_budgets(s.flow, &s.limits);
  if (req.dry_run) return dry_run(s, missing);
  if (!calls_fit(s)) return kExitUsage;
  if (!backends_ready(s)) return kExitUsage;
  return start_run(s, req, path, sim, jobs, ir_text);
}

}  // namespace flow::rt

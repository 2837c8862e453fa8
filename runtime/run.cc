#include "runtime/run.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "compiler/ir_json.h"
#include "compiler/ir_validate.h"
#include "lang/text.h"
#include "runtime/config.h"
#include "runtime/dry_run.h"
#include "runtime/history.h"
#include "runtime/inputs.h"
#include "runtime/plan.h"
#include "runtime/pool.h"
#include "runtime/printable.h"
#include "runtime/router.h"
#include "runtime/otlp_live.h"
#include "runtime/output_style.h"
#include "runtime/run_store.h"
#include "runtime/scheduler.h"
#include "runtime/signals.h"
#include "runtime/terminal_text.h"
#include "runtime/sim_targets.h"
#include "runtime/status.h"


namespace flow::rt {
namespace {

using json = nlohmann::json;

// Messages quote names and values from IR files, inputs and configs: printable only.
void error(const std::string& text) { std::fprintf(stderr, "flow: %s\n", printable(text).c_str()); }

// An absolute path without symlinks, so nothing about a run depends on the directory `flow`
// is started from (agents get paths that resolve wherever they run); "" if it does not exist.
std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

// A full disk must give write errors (EFBIG, ENOSPC), not kill flow: `prlimit --fsize` would
// otherwise end the process with SIGXFSZ in the middle of a write.
void ignore_file_size_signal() { ::signal(SIGXFSZ, SIG_IGN); }

int default_jobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 2 : static_cast<int>(n);
}

json sim_json(const SimOptions& s) {
  json fr = json::array();
  for (const SimFailReview& f : s.fail_review) fr.push_back(f.step + ":" + std::to_string(f.times));
  json items = json::array();
  for (const SimFailReview& f : s.items) items.push_back(f.step + ":" + std::to_string(f.times));
  return {{"seed", s.seed},
          {"latency", std::to_string(s.latency_min_ms) + "-" + std::to_string(s.latency_max_ms)},
          {"fail_review", fr},
          {"fail_step", s.fail_step},
          {"items", items},
          {"cost_per_call", s.cost_per_call},
          {"tokens_per_call", s.tokens_per_call}};
}

bool sim_from_json(const json& j, SimOptions* s) {
  if (!j.is_object()) return false;
  s->seed = j.value("seed", uint64_t{1});
  s->cost_per_call = j.value("cost_per_call", 0.0);
  s->tokens_per_call = j.value("tokens_per_call", int64_t{0});
  parse_sim_latency(j.value("latency", "0"), &s->latency_min_ms, &s->latency_max_ms);
  for (const json& f : j.value("fail_review", json::array())) {
    SimFailReview r;
    if (f.is_string() && parse_sim_fail_review(f.get<std::string>(), &r)) s->fail_review.push_back(r);
  }
  for (const json& f : j.value("fail_step", json::array()))
    if (f.is_string()) s->fail_step.push_back(f.get<std::string>());
  for (const json& f : j.value("items", json::array())) {
    SimFailReview r;
    if (f.is_string() && parse_sim_fail_review(f.get<std::string>(), &r)) s->items.push_back(r);
  }
  return true;
}

std::unique_ptr<Status> make_status(bool as_json) {
  if (as_json) return make_json_status(stdout, stderr);
  if (output_style().quiet) return make_quiet_status(stdout);
  if (isatty(1)) return make_tty_status(stdout, color_on(1));
  return make_plain_status(stdout);
}

// Everything shared by run and resume once the run directory exists.
struct RunState {
  ir::Flow flow;
  InputValues inputs;
  Router router;
  Pools pools;
  std::string run_id, dir;
  json meta;
  std::string otlp_endpoint;  // "" = no live export
  BudgetLimits limits;
};

// The state of the one run this process carries out. It lives until the process exits and is
// never torn down: after a run of many model-API calls, freeing it and closing each kept-alive
// connection one by one took milliseconds once the run's record was already on disk
// (bench/README.md, "Model API backends"), work the exit does anyway. A static pointer keeps it
// reachable, so LeakSanitizer does not report it as lost.
RunState& process_run_state() {
  static RunState* const state = new RunState;
  return *state;
}

// The backends the flow's agents use, for the `run_start` event; `*simulated` when one is sim.
std::string backends_in_use(const RunState& s, bool* simulated) {
  std::string backends;
  for (const ir::Agent& a : s.flow.agents) {
    std::string b = s.router.name_for(a.name, a.model);
    *simulated = *simulated || b == "sim";
    if (backends.find(b) == std::string::npos) backends += (backends.empty() ? "" : ", ") + b;
  }
  return backends.empty() ? "none (no agents)" : backends;
}

// After the scheduler: the final status in run.json, then the summary. Returns the exit code,
// which becomes a failure when the status cannot be recorded.
int record_end(RunState& s, int code, bool as_json, Status& status, const Summary& summary) {
  std::string err;
  s.meta["status"] = code == kExitOk            ? "succeeded"
                     : code == kExitInterrupted ? "interrupted"
                     : code == kExitBudget      ? "budget_exhausted"
                                                : "failed";
  s.meta["ended"] = iso_time_now();
  if (!write_file_atomic(s.dir + "/run.json", s.meta.dump(2) + "\n", true, &err)) {
    // run.json still says "running": `flow runs` shows it as crashed, and it resumes.
    error(err + "\n  the run's status could not be recorded; free space, then: flow resume " +
          s.run_id);
    if (code == kExitOk) code = kExitFailed;
  }
  // On a terminal the table fits its window, as the live view did.
  std::string table = summary.table(isatty(1) && !as_json ? terminal_columns(1) - 1 : 79);
  if (as_json) std::fputs(table.c_str(), stderr);
  else if (!output_style().quiet) std::fputs(table.c_str(), stdout);
  status.message(fmt::format("run {}: {} ({})", s.run_id, s.meta["status"].get<std::string>(), s.dir));
  return code;
}

// The nodes a resumed run finished before (restored), and those its inputs skip.
std::vector<uint32_t> finished_nodes(const Plan& plan) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < plan.size(); ++i)
    if (plan.node(i).state == State::Done || plan.node(i).skip) out.push_back(i);
  return out;
}

int execute(RunState& s, int jobs, bool yes, bool as_json, bool resumed,
            const std::vector<json>& events, int64_t next_seq, bool wait_approvals) {
  RunLock lock;
  if (!lock.try_lock(s.dir)) {
    error("run " + s.run_id + " is being run by another flow process");
    return kExitUsage;
  }
  Plan plan(s.flow, s.inputs);
  if (!plan.error().empty()) {
    error(plan.error());
    return kExitUsage;
  }
  std::string err;
  auto status = make_status(as_json);
  if (!s.otlp_endpoint.empty()) status = make_otlp_status(std::move(status), s.otlp_endpoint, s.run_id, s.flow.name);
  // The summary printed at the end: the events of the run's earlier processes (a resume), then
  // each event as it is emitted, instead of reading events.jsonl back at the end.
  Summary summary;
  for (const json& e : events) summary.add(e);
  status = make_summary_feed(std::move(status), &summary);
  bool simulated = false;
  std::string backends = backends_in_use(s, &simulated);

  RunEnv env;
  env.inputs = s.inputs;
  env.run_id = s.run_id;
  env.run_dir = s.dir;
  env.jobs = jobs;
  env.yes = yes;
  env.wait_approvals = wait_approvals;
  env.approvals_notify = s.router.config.approvals_notify;
  env.resumed = resumed;
  env.limits = s.limits;
  env.spent = spent_from_events(events);
  if (s.flow.nodes.size() > 1000) env.budget = {32 * 1024, 8, 16};  // keep huge runs linear
  Cancel cancel;
  EventLog log;
  int code;
  {
    Scheduler scheduler(env, plan, log, *status, s.router, s.pools, cancel);
    // Before anything is written: a log that does not fit the flow leaves the run as it is.
    if (!scheduler.restore(events, &err)) {
      error(s.dir + "/" + err + "\n  the run was left unchanged; it cannot be resumed with this "
            "ir.json (was a file of the run directory edited or replaced?)");
      return kExitUsage;
    }
    if (!log.open(s.dir + "/events.jsonl", next_seq, &err)) {
      error(err);
      return kExitFailed;
    }
    s.meta["status"] = "running";
    s.meta["pid"] = getpid();
    if (!write_file_atomic(s.dir + "/run.json", s.meta.dump(2) + "\n", true, &err)) {
      error(err + "\n  free space (or fix the cause), then continue with: flow resume " + s.run_id);
      return kExitFailed;
    }
    status->begin(s.flow, finished_nodes(plan));
    if (simulated && !output_style().quiet)
      status->message("NOTE: agents are SIMULATED (backend sim): their outputs are generated "
                      "text, not real work. Configure a backend to run real agents (docs/config.md).");
    if (!resumed) {
      size_t gates = std::count_if(s.flow.nodes.begin(), s.flow.nodes.end(), [](const ir::Node& n) {
        return n.kind == ir::NodeKind::Gate;
      });
      json inputs = json::object();
      for (const auto& [k, v] : s.inputs) inputs[k] = v;
      status->event(log.emit({{"event", "run_start"}, {"run", s.run_id}, {"flow", s.flow.name},
                              {"backend", backends}, {"simulated", simulated}, {"jobs", jobs},
                              {"inputs", inputs}, {"steps", s.flow.nodes.size() - gates},
                              {"gates", gates}}));
    }
    SignalThread signals(cancel, scheduler);
    code = scheduler.run();
    status->finish();
    if (code == kExitFailed || code == kExitBudget) status->message(scheduler.report());
    if (code == kExitInterrupted)
      status->message(fmt::format("interrupted; continue with: flow resume {}", s.run_id));
  }
  return record_end(s, code, as_json, *status, summary);
}

// --record DIR (created) and --replay DIR (must exist) as absolute paths: a resumed run
// works in the directory the run started in.
bool api_options(const std::string& record, const std::string& replay, ApiRunOptions* out) {
  if (!record.empty() && !replay.empty()) {
    error("--record and --replay exclude each other: record a run first, then replay it");
    return false;
  }
  std::string err;
  if (!record.empty() && !make_dirs(record, &err)) {
    error("--record " + record + ": " + err);
    return false;
  }
  out->record_dir = record.empty() ? "" : absolute(record);
  out->replay_dir = replay.empty() ? "" : absolute(replay);
  if (!replay.empty() && out->replay_dir.empty()) {
    error("--replay " + replay + ": no such directory; give the directory a run recorded with --record");
    return false;
  }
  return true;
}

bool setup_router(RunState& s, const std::string& path, const std::string& backend,
                  const SimOptions* sim_override) {
  if (!path.empty()) {
    ConfigResult c = load_config(path);
    if (!c.ok) {
      error(c.error);
      return false;
    }
    s.router.config = std::move(c.config);
  }
  if (sim_override) s.router.config.sim = *sim_override;
  s.router.forced = backend;
  for (const auto& [name, depth] : s.router.config.pools) s.pools.add(name, depth);
  // Fail now rather than mid-run on a backend name that cannot be built.
  for (const ir::Agent& a : s.flow.agents) {
    std::string err;
    if (!s.router.get(a.name, a.model, &err)) {
      error(err);
      return false;
    }
  }
  return true;
}

// Commands and agents of a resumed run work where the run started, wherever `flow resume` is
// called from.
bool enter_run_cwd(const RunState& s) {
  std::string cwd = s.meta.value("cwd", "");
  if (cwd.empty() || ::chdir(cwd.c_str()) == 0) return true;
  error(fmt::format("run {} was started in {}, which cannot be entered ({}); its commands and "
                    "agents work there, so restore it before resuming", s.run_id, cwd,
                    std::strerror(errno)));
  return false;
}

// The run's config file must still be there (never fall back to simulated agents); an edited
// one is used, with a warning.
bool check_config(const json& opt) {
  std::string path = opt.value("config", ""), text;
  if (path.empty()) return true;
  if (!read_file(path, &text)) {
    error(fmt::format("cannot read {}, the config file this run started with ({}); put it back "
                      "(or recreate it) and resume again", path, std::strerror(errno)));
    return false;
  }
  std::string then = opt.value("config_hash", ""), now = output_hash(text);
  if (!then.empty() && then != now)
    std::fprintf(stderr, "flow: warning: %s changed since the run started (content hash %s then, "
                 "%s now); resuming with it as it is now\n", path.c_str(), then.c_str(), now.c_str());
  return true;
}

// Once per run, before anything is dispatched: each backend in use can serve it (for
// `claude`, its version is recent enough).
bool backends_ready(RunState& s) {
  for (const auto& [name, backend] : s.router.backends) {
    std::string err;
    if (!backend->check_ready(&err)) {
      error(err);
      return false;
    }
  }
  return true;
}

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
      error(c.error);
      return false;
    }
    sim = c.config.sim;
    // Resume reads the same file from anywhere, and can tell when it was edited since.
    path = absolute(path);
  }
  if (req.sim_seed) sim.seed = *req.sim_seed;
  if (!req.sim_latency.empty() &&
      !parse_sim_latency(req.sim_latency, &sim.latency_min_ms, &sim.latency_max_ms)) {
    error("--sim-latency expects milliseconds (100) or a range (50-200), got \"" + req.sim_latency + "\"");
    return false;
  }
  std::vector<SimFailReview> fail_review;
  for (const std::string& f : req.sim_fail_review) {
    SimFailReview r;
    if (!parse_sim_fail_review(f, &r)) {
      error("--sim-fail-review expects STEP or STEP:N, got \"" + f + "\"");
      return false;
    }
    fail_review.push_back(r);
  }
  std::vector<SimFailReview> items;
  for (const std::string& f : req.sim_items) {
    SimFailReview r;
    if (!parse_sim_fail_review(f, &r) || f.find(':') == std::string::npos) {
      error("--sim-items expects STEP:K, got \"" + f + "\"");
      return false;
    }
    items.push_back(r);
  }
  std::string sim_error;
  if (!check_sim_targets(flow, fail_review, req.sim_fail_step, &sim_error) ||
      !check_sim_items(flow, items, &sim_error)) {
    error(sim_error);
    return false;
  }
  sim.fail_review.insert(sim.fail_review.end(), fail_review.begin(), fail_review.end());
  sim.items.insert(sim.items.end(), items.begin(), items.end());
  for (const std::string& f : req.sim_fail_step) sim.fail_step.push_back(f);
  if (!req.sim_cost.empty() && !parse_cost(req.sim_cost, &sim.cost_per_call)) {
    error("--sim-cost expects US dollars per call such as 0.01, got \"" + req.sim_cost + "\"");
    return false;
  }
  if (!req.sim_tokens.empty() && !parse_tokens(req.sim_tokens, &sim.tokens_per_call)) {
    error("--sim-tokens expects a whole number of tokens per call, got \"" + req.sim_tokens + "\"");
    return false;
  }
  return true;
}

// `flow run --dry-run`: the plan, and the inputs a real run would still need.
int dry_run(const RunState& s, const std::vector<std::string>& missing) {
  Plan plan(s.flow, s.inputs);
  if (!plan.error().empty()) {
    error(plan.error());
    return kExitUsage;
  }
  std::fputs(printable(describe_plan(plan, s.router)).c_str(), stdout);
  std::fputs(printable("Budgets: " + describe_budgets(s.limits) + "\n").c_str(), stdout);
  for (const std::string& m : missing)
    std::printf("Input `%s` was not given: the plan assumes a placeholder (a fan-out over it "
                "counts 0 items); a real run needs --input %s=VALUE\n", m.c_str(), m.c_str());
  return kExitOk;
}

// --max-cost and --max-tokens ("" = not given) into `limits`; false (with a message) when one
// is not a number.
bool budget_options(const std::string& cost, const std::string& tokens, BudgetLimits* limits) {
  double usd = 0;
  int64_t n = 0;
  if (!cost.empty() && !parse_cost(cost, &usd)) {
    error("--max-cost expects US dollars such as 2 or 0.50, got \"" + cost + "\"");
    return false;
  }
  if (!tokens.empty() && !parse_tokens(tokens, &n)) {
    error("--max-tokens expects a whole number of tokens such as 200000, got \"" + tokens + "\"");
    return false;
  }
  if (!cost.empty()) {
    limits->cost_usd = usd;
    limits->cost_rule.clear();
  }
  if (!tokens.empty()) {
    limits->tokens = n;
    limits->tokens_rule.clear();
  }
  return true;
}

// What a question with no terminal does: `--approvals` if given, else what the run was started
// with (on resume), else the config file's approvals.mode, else wait: an unattended run waits
// for `flow approve` from another shell rather than failing work that could go on.
std::string approvals_mode(const std::string& given, const std::string& saved,
                           const Config& config) {
  if (!given.empty()) return given;
  if (!saved.empty()) return saved;
  if (!config.approvals_mode.empty()) return config.approvals_mode;
  return "wait";
}

// The budgets in effect, into run.json's options: `flow resume` keeps them unless given new
// ones, and remembers which came from a rule of the flow.
void save_budgets(const BudgetLimits& limits, json* meta) {
  json& opt = (*meta)["options"];
  if (limits.cost_usd) opt["max_cost"] = *limits.cost_usd;
  if (limits.tokens) opt["max_tokens"] = *limits.tokens;
  if (!limits.cost_rule.empty()) opt["max_cost_rule"] = limits.cost_rule;
  else opt.erase("max_cost_rule");
  if (!limits.tokens_rule.empty()) opt["max_tokens_rule"] = limits.tokens_rule;
  else opt.erase("max_tokens_rule");
}

void load_budgets(const json& opt, BudgetLimits* limits) {
  if (opt.contains("max_cost") && opt["max_cost"].is_number())
    limits->cost_usd = opt["max_cost"].get<double>();
  if (opt.contains("max_tokens") && opt["max_tokens"].is_number_integer())
    limits->tokens = opt["max_tokens"].get<int64_t>();
  if (limits->cost_usd && opt.contains("max_cost_rule") && opt["max_cost_rule"].is_string())
    limits->cost_rule = opt["max_cost_rule"].get<std::string>();
  if (limits->tokens && opt.contains("max_tokens_rule") && opt["max_tokens_rule"].is_string())
    limits->tokens_rule = opt["max_tokens_rule"].get<std::string>();
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
  error(fmt::format("{}: error: rule `at most {} calls` cannot hold for these inputs: the run "
                    "could make up to {} agent calls\n  give fewer items to the list inputs, or "
                    "raise the limit of the rule; `flow run --dry-run` shows the count",
                    s.limits.calls_rule, *s.limits.calls, bound));
  return false;
}

// Creates the run's directory and records what resume needs, then runs it.
int start_run(RunState& s, const RunRequest& req, const std::string& path, const SimOptions& sim,
              int jobs, const std::string& ir_text) {
  std::string err;
  if (!make_dirs(req.run_root, &err)) {
    error(err);
    return kExitFailed;
  }
  const std::string root = absolute(req.run_root);
  char cwd[PATH_MAX];
  if (root.empty() || !::getcwd(cwd, sizeof cwd)) {
    error("cannot resolve the run directory " + req.run_root + ": " + std::strerror(errno));
    return kExitFailed;
  }
  std::string config_hash;
  if (!path.empty()) {
    std::string text;
    if (read_file(path, &text)) config_hash = output_hash(text);
  }
  for (int tries = 0;; ++tries) {
    s.run_id = new_run_id();
    s.dir = root + "/" + s.run_id;
    if (make_dirs(s.dir + "/steps", &err) && access((s.dir + "/ir.json").c_str(), F_OK) != 0) break;
    if (tries > 20) {
      error(err);
      return kExitFailed;
    }
  }
  // ir.json and run.json first: from here on, whatever happens, `flow resume` has what it needs.
  if (!write_file_atomic(s.dir + "/ir.json", ir_text, true, &err)) {
    error(err);
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
  return execute(s, jobs, req.yes, req.json, false, {}, 1, approvals != "stop");
}


}  // namespace

int run_command(const RunRequest& req) {
  block_signals();
  ignore_file_size_signal();
  // run.json records these names as JSON strings, which must be UTF-8.
  for (const std::string* name : {&req.file, &req.config_path})
    if (!text::encoding_errors(*name).empty()) {
      error("the file name \"" + *name + "\" is not UTF-8; rename the file (e.g. with "
            "convmv or mv) to run it");
      return kExitUsage;
    }
  RunState& s = process_run_state();
  s.otlp_endpoint = req.otlp_endpoint;
  std::string ir_text;
  std::optional<ir::Flow> flow = load_flow(req.file, &ir_text, req.compile_source);
  if (!flow) return kExitUsage;
  s.flow = std::move(*flow);
  std::vector<std::string> missing;
  InputsResult inputs = resolve_inputs(s.flow, req.inputs, req.dry_run, &missing);
  if (!inputs.ok) {
    error(inputs.error);
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

int resume_command(const ResumeRequest& req) {
  block_signals();
  ignore_file_size_signal();
  std::string id = req.run;
  if (id.empty() || id == "last") {  // `last`, as `flow show` and `flow approve` take it
    id = latest_unfinished_run(req.run_root);
    if (id.empty()) {
      error("no unfinished run to resume under " + req.run_root + " (see `flow runs`)");
      return kExitUsage;
    }
  }
  RunState& s = process_run_state();
  // Before entering the run's directory: the paths are relative to where flow was started.
  if (!api_options(req.record_dir, req.replay_dir, &s.router.api)) return kExitUsage;
  s.run_id = id;
  s.dir = absolute(req.run_root + "/" + id);
  std::string text;
  if (s.dir.empty() || !read_file(s.dir + "/run.json", &text)) {
    error("no run " + id + " under " + req.run_root + " (see `flow runs`)");
    return kExitUsage;
  }
  s.meta = json::parse(text, nullptr, false);
  if (!s.meta.is_object()) {
    error(s.dir + "/run.json is damaged");
    return kExitUsage;
  }
  if (s.meta.value("status", "") == "succeeded") {
    error("run " + id + " already succeeded; nothing to resume");
    return kExitUsage;
  }
  if (!read_file(s.dir + "/ir.json", &text)) {
    error("cannot read " + s.dir + "/ir.json");
    return kExitUsage;
  }
  ir::ReadResult ir = ir::from_json_text(text);
  std::string problem;
  if (!ir.ok || !ir::validate(ir.flow, &problem)) {
    error(s.dir + "/ir.json: " + (ir.ok ? problem : ir.error));
    return kExitUsage;
  }
  s.flow = std::move(ir.flow);
  // Inputs were checked when the run started; take them back in the IR's order.
  const json& saved = s.meta["inputs"];
  for (const ir::Input& in : s.flow.inputs)
    if (saved.is_object() && saved.contains(in.name)) s.inputs.emplace_back(in.name, saved[in.name]);
  const json& opt = s.meta.value("options", json::object());
  if (!enter_run_cwd(s) || !check_config(opt)) return kExitUsage;
  SimOptions sim;
  sim_from_json(opt.value("sim", json::object()), &sim);
  if (!setup_router(s, opt.value("config", ""), opt.value("backend", ""), &sim)) return kExitUsage;
  if (!backends_ready(s)) return kExitUsage;
  // The budgets the run was started with, unless new ones are given (which the run keeps).
  load_budgets(opt, &s.limits);
  if (!budget_options(req.max_cost, req.max_tokens, &s.limits)) return kExitUsage;
  add_rule_budgets(s.flow, &s.limits);
  save_budgets(s.limits, &s.meta);
  EventsRead events = read_events(s.dir + "/events.jsonl");
  if (!events.ok) {
    error(events.error);
    return kExitFailed;
  }
  int64_t next_seq = 1;
  for (const json& e : events.events) next_seq = std::max<int64_t>(next_seq, e.value("seq", int64_t{0}) + 1);
  int jobs = req.jobs > 0 ? req.jobs : opt.value("jobs", default_jobs());
  bool yes = req.yes || opt.value("yes", false);
  const std::string approvals =
      approvals_mode(req.approvals, opt.value("approvals", ""), s.router.config);
  return execute(s, jobs, yes, req.json, true, events.events, next_seq, approvals != "stop");
}

}  // namespace flow::rt

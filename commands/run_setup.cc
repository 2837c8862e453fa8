#include "commands/run_setup.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "runtime/terminal/printable.h"
#include "runtime/store/run_store.h"
#include "runtime/backends/sim_targets.h"

namespace flow::rt {

using json = nlohmann::json;

void run_error(const std::string& text) {
  std::fprintf(stderr, "flow: %s\n", printable(text).c_str());
}

std::string absolute(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

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

bool api_options(const std::string& record, const std::string& replay, ApiRunOptions* out) {
  if (!record.empty() && !replay.empty()) {
    run_error("--record and --replay exclude each other: record a run first, then replay it");
    return false;
  }
  std::string err;
  if (!record.empty() && !make_dirs(record, &err)) {
    run_error("--record " + record + ": " + err);
    return false;
  }
  out->record_dir = record.empty() ? "" : absolute(record);
  out->replay_dir = replay.empty() ? "" : absolute(replay);
  if (!replay.empty() && out->replay_dir.empty()) {
    run_error("--replay " + replay + ": no such directory; give the directory a run recorded with --record");
    return false;
  }
  return true;
}

bool setup_router(RunState& s, const std::string& path, const std::string& backend,
                  const SimOptions* sim_override) {
  if (!path.empty()) {
    ConfigResult c = load_config(path);
    if (!c.ok) {
      run_error(c.error);
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
      run_error(err);
      return false;
    }
  }
  return true;
}

bool enter_run_cwd(const RunState& s) {
  std::string cwd = s.meta.value("cwd", "");
  if (cwd.empty() || ::chdir(cwd.c_str()) == 0) return true;
  run_error(fmt::format("run {} was started in {}, which cannot be entered ({}); its commands and "
                    "agents work there, so restore it before resuming", s.run_id, cwd,
                    std::strerror(errno)));
  return false;
}

bool check_config(const json& opt) {
  std::string path = opt.value("config", ""), text;
  if (path.empty()) return true;
  if (!read_file(path, &text)) {
    run_error(fmt::format("cannot read {}, the config file this run started with ({}); put it back "
                      "(or recreate it) and resume again", path, std::strerror(errno)));
    return false;
  }
  std::string then = opt.value("config_hash", ""), now = output_hash(text);
  if (!then.empty() && then != now)
    std::fprintf(stderr, "flow: warning: %s changed since the run started (content hash %s then, "
                 "%s now); resuming with it as it is now\n", path.c_str(), then.c_str(), now.c_str());
  return true;
}

bool backends_ready(RunState& s) {
  for (const auto& [name, backend] : s.router.backends) {
    std::string err;
    if (!backend->check_ready(&err)) {
      run_error(err);
      return false;
    }
  }
  return true;
}

bool budget_options(const std::string& cost, const std::string& tokens, BudgetLimits* limits) {
  double usd = 0;
  int64_t n = 0;
  if (!cost.empty() && !parse_cost(cost, &usd)) {
    run_error("--max-cost expects US dollars such as 2 or 0.50, got \"" + cost + "\"");
    return false;
  }
  if (!tokens.empty() && !parse_tokens(tokens, &n)) {
    run_error("--max-tokens expects a whole number of tokens such as 200000, got \"" + tokens + "\"");
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

std::string approvals_mode(const std::string& given, const std::string& saved,
                           const Config& config) {
  if (!given.empty()) return given;
  if (!saved.empty()) return saved;
  if (!config.approvals_mode.empty()) return config.approvals_mode;
  return "wait";
}

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

bool write_result(const RunState& s, const std::string& file, uint32_t node,
                  const std::string& outcome, bool ended) {
  if (file.empty()) return true;
  json r{{"run", s.run_id}, {"node", s.flow.nodes[node].name}, {"outcome", outcome},
         {"run_ended", ended}};
  std::string err;
  if (write_file_atomic(file, r.dump() + "\n", true, &err)) return true;
  run_error("--result: " + err);
  return false;
}

}  // namespace flow::rt

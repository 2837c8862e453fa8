#pragma once
// What `flow run`, `flow resume` and `flow run-node` share once they know which run they carry
// out: the run's state, its backends, budgets and options, and execute(), which hands the run to
// the Scheduler. Internal to the run commands (run.cc, run_saved.cc); they print their errors.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/ir.h"
#include "runtime/engine/budget.h"
#include "runtime/backends/config.h"
#include "runtime/engine/inputs.h"
#include "runtime/engine/pool.h"
#include "runtime/backends/router.h"

namespace flow::rt {

// Everything shared by run and resume once the run directory exists.
struct RunState {
  ir::Flow flow;
  InputValues inputs;
  Router router;
  Pools pools;
  std::string run_id, dir;
  nlohmann::json meta;
  std::string otlp_endpoint;  // "" = no live export
  BudgetLimits limits;
};

// Messages quote names and values from IR files, inputs and configs: printable only.
void run_error(const std::string& text);
// An absolute path without symlinks, so nothing about a run depends on the directory `flow`
// is started from (agents get paths that resolve wherever they run); "" if it does not exist.
std::string absolute(const std::string& path);
// A full disk must give write errors (EFBIG, ENOSPC), not kill flow: `prlimit --fsize` would
// otherwise end the process with SIGXFSZ in the middle of a write.
void ignore_file_size_signal();
int default_jobs();
nlohmann::json sim_json(const SimOptions& s);
bool sim_from_json(const nlohmann::json& j, SimOptions* s);
// --record DIR (created) and --replay DIR (must exist) as absolute paths: a resumed run
// works in the directory the run started in.
bool api_options(const std::string& record, const std::string& replay, ApiRunOptions* out);
bool setup_router(RunState& s, const std::string& path, const std::string& backend,
                  const SimOptions* sim_override);
// Commands and agents of a resumed run work where the run started, wherever `flow resume` is
// called from.
bool enter_run_cwd(const RunState& s);
// The run's config file must still be there (never fall back to simulated agents); an edited
// one is used, with a warning.
bool check_config(const nlohmann::json& opt);
// Once per run, before anything is dispatched: each backend in use can serve it (for
// `claude`, its version is recent enough).
bool backends_ready(RunState& s);
// --max-cost and --max-tokens ("" = not given) into `limits`; false (with a message) when one
// is not a number.
bool budget_options(const std::string& cost, const std::string& tokens, BudgetLimits* limits);
// What a question with no terminal does: `--approvals` if given, else what the run was started
// with (on resume), else the config file's approvals.mode, else wait: an unattended run waits
// for `flow approve` from another shell rather than failing work that could go on.
std::string approvals_mode(const std::string& given, const std::string& saved,
                           const Config& config);
// The budgets in effect, into run.json's options: `flow resume` keeps them unless given new
// ones, and remembers which came from a rule of the flow.
void save_budgets(const BudgetLimits& limits, nlohmann::json* meta);
void load_budgets(const nlohmann::json& opt, BudgetLimits* limits);

// How execute() carries out the run.
struct ExecuteOptions {
  int jobs = 1;
  bool yes = false, json = false, resumed = false, wait_approvals = false;
  // `flow run-node` and `flow run --prepare`: one node (none: only what needs no call), and
  // the run goes on with the next process unless it is over (RunEnv::stepping).
  bool stepping = false;
  std::optional<uint32_t> only_node;
  std::string result_file;  // run-node --result FILE: what became of the node, as JSON
};

// `flow run-node --result FILE` ("" = none): what became of the node and whether the run is
// over, for an engine that runs the nodes (an Argo task's output parameter).
bool write_result(const RunState& s, const std::string& file, uint32_t node,
                  const std::string& outcome, bool ended);

// Runs (the rest of) the run: restores `events` (a resumed run's), records the run as running,
// runs the Scheduler and records how it ended. Returns the exit code.
int execute(RunState& s, const ExecuteOptions& o, const std::vector<Event>& events,
            int64_t next_seq);

}  // namespace flow::rt

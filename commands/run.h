#pragma once
// The `flow run` and `flow resume` commands as functions: load the flow, set up the run
// directory, backends, pools and progress output, then hand over to the Scheduler. They print
// to stdout/stderr and return the process exit code (docs/runtime.md, "Exit codes").
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace flow::rt {

// Turns a file that is not IR JSON (a .flow file) into IR, printing its errors to stderr;
// nullopt on failure. With `ir_text`, also returns the IR as JSON text. The runtime reads IR
// only: the `flow` executable passes the compiler in (runtime/front/compile_source.h).
using CompileSource = std::optional<ir::Flow> (*)(const std::string& path, std::string* ir_text);

struct RunRequest {
  std::string file;                 // FILE.flow or IR.json
  CompileSource compile_source = nullptr;  // for a file that is not .json; nullptr = IR only
  std::vector<std::string> inputs;  // NAME=VALUE or NAME=@FILE
  int jobs = 0;                     // 0 = number of CPUs
  std::string backend;              // --backend; "" = as configured
  std::string config_path;          // "" = flow.yaml if present
  std::string run_root = ".flow/runs";
  bool dry_run = false, yes = false, json = false;
  std::optional<uint64_t> sim_seed;
  std::string sim_latency;
  std::vector<std::string> sim_fail_review, sim_fail_step, sim_items;
  std::string sim_cost, sim_tokens;  // --sim-cost USD, --sim-tokens N: what each sim call reports
  std::string max_cost, max_tokens;  // --max-cost USD, --max-tokens N (budget.h); "" = none
  std::string record_dir, replay_dir;  // --record / --replay (the anthropic and openai backends)
  std::string otlp_endpoint;        // --otlp-endpoint: send spans live (runtime/report/otlp_live.h)
  std::string approvals;  // --approvals wait|stop; "" = flow.yaml approvals.mode, else stop
  // --prepare: create the run and record what needs no call, then stop; `flow run-node` runs
  // its nodes. --run-id: the run's id instead of a new one (an engine names its runs).
  bool prepare = false;
  std::string run_id;
};

struct ResumeRequest {
  std::string run;  // id; "" = the latest run that has not succeeded
  std::string run_root = ".flow/runs";
  int jobs = 0;     // 0 = as the run was started
  bool yes = false, json = false;
  std::string record_dir, replay_dir;  // --record / --replay
  std::string max_cost, max_tokens;  // a new budget; "" = as the run was started
  std::string approvals;  // --approvals wait|stop; "" = as the run was started
};

// `flow run-node RUN NODE`: runs one node of a saved run (docs/runtime.md, "One node at a
// time"), as an engine that schedules the nodes itself calls it.
struct RunNodeRequest {
  std::string run;   // id; "" or `last` = the latest run that has not succeeded
  std::string node;  // a step's name, or a gate's (`STEP/gate`)
  std::string run_root = ".flow/runs";
  bool yes = false, json = false;
  std::string result_file;  // --result FILE: {"node", "outcome", "run_ended"} as JSON
};

int run_command(const RunRequest& request);
int resume_command(const ResumeRequest& request);
int run_node_command(const RunNodeRequest& request);

// Loads IR JSON, or hands any other file to `compile` (an error when it is nullptr). Prints
// errors to stderr; returns nullopt on failure.
// With `ir_text`, also returns the IR as JSON text (the file itself for a .json input, which
// spares a second JSON document in memory for huge flows).
std::optional<ir::Flow> load_flow(const std::string& path, std::string* ir_text = nullptr,
                                  CompileSource compile = nullptr);

}  // namespace flow::rt

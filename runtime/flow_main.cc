// flow: runs compiled flows. Subcommands run, resume, runs and show; docs/runtime.md.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "runtime/history.h"
#include "runtime/run.h"

#ifndef FLOW_VERSION
#define FLOW_VERSION "dev"
#endif

namespace {

int flow_main(int argc, char** argv) {
  CLI::App app{"flow: runs pipelines of AI agents described in .flow files.\n"
               "Agents are simulated (backend `sim`) unless a backend is configured; see "
               "docs/runtime.md and docs/config.md."};
  app.set_version_flag("--version", FLOW_VERSION);
  app.require_subcommand(1);

  flow::rt::RunRequest run;
  std::string run_root = ".flow/runs";
  CLI::App* run_cmd = app.add_subcommand("run", "Run a flow (a .flow file or compiled IR .json)");
  run_cmd->add_option("file", run.file, "FILE.flow or IR.json")->required();
  // One value per occurrence, so `--input a=1 demo.flow` leaves demo.flow to the positional.
  run_cmd->add_option("-i,--input", run.inputs, "Set an input: NAME=VALUE or NAME=@FILE (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("-j,--jobs", run.jobs, "Steps to run at once (default: number of CPUs)")
      ->check(CLI::Range(1, 4096));
  run_cmd->add_option("--backend", run.backend,
                      "Send every agent call to this backend: sim, claude, codex, llm, ollama, or "
                      "one named in the config file");
  run_cmd->add_option("--config", run.config_path, "Configuration file (default: ./flow.yaml if present)");
  run_cmd->add_option("--run-dir", run_root, "Where runs are stored (default: .flow/runs)");
  run_cmd->add_flag("--dry-run", run.dry_run, "Print the plan (order, parallel groups, gates, worst-case calls) and stop");
  run_cmd->add_flag("-y,--yes", run.yes, "Approve human approvals and `else ask` questions automatically");
  run_cmd->add_flag("--json", run.json, "Stream events as JSON lines on stdout");
  run_cmd->add_option("--record", run.record_dir,
                      "anthropic/openai backends: save each model request and response here (no keys)");
  run_cmd->add_option("--replay", run.replay_dir,
                      "anthropic/openai backends: answer model requests from a --record directory, "
                      "no network");
  run_cmd->add_option("--sim-seed", run.sim_seed, "sim: seed for generated outputs and latencies (default 1)");
  run_cmd->add_option("--sim-latency", run.sim_latency, "sim: latency per call, MS or a random range A-B");
  run_cmd->add_option("--sim-fail-review", run.sim_fail_review,
                      "sim: the review of STEP says FAIL for its first N attempts (STEP[:N], default N=1)")
      ->allow_extra_args(false);
  run_cmd->add_option("--sim-fail-step", run.sim_fail_step, "sim: every agent call of STEP fails")
      ->allow_extra_args(false);

  flow::rt::ResumeRequest resume;
  CLI::App* resume_cmd = app.add_subcommand("resume", "Continue an interrupted, crashed or failed run");
  resume_cmd->add_option("run", resume.run, "Run id (default: the latest run that has not succeeded)");
  resume_cmd->add_option("--run-dir", run_root, "Where runs are stored (default: .flow/runs)");
  resume_cmd->add_option("-j,--jobs", resume.jobs, "Steps to run at once (default: as before)")
      ->check(CLI::Range(1, 4096));
  resume_cmd->add_flag("-y,--yes", resume.yes, "Approve human approvals automatically");
  resume_cmd->add_flag("--json", resume.json, "Stream events as JSON lines on stdout");
  resume_cmd->add_option("--record", resume.record_dir, "As for `flow run`: save model requests and responses");
  resume_cmd->add_option("--replay", resume.replay_dir, "As for `flow run`: answer model requests from DIR");

  CLI::App* runs_cmd = app.add_subcommand("runs", "List runs: id, flow, status, started, duration");
  runs_cmd->add_option("--run-dir", run_root, "Where runs are stored (default: .flow/runs)");

  std::string show_id;
  CLI::App* show_cmd = app.add_subcommand("show", "Print a run's summary table and events");
  show_cmd->add_option("run", show_id, "Run id (see `flow runs`), or `last` for the latest run")
      ->required();
  std::string show_step;
  show_cmd->add_option("step", show_step, "Print only what this step answered (e.g. helper)");
  show_cmd->add_option("--run-dir", run_root, "Where runs are stored (default: .flow/runs)");
  bool show_json = false;
  show_cmd->add_flag("--json", show_json,
                     "Print the run, its steps and their cost and tokens as one JSON document");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors are exit 2, like every other bad input
  }
  if (*run_cmd) {
    run.run_root = run_root;
    return flow::rt::run_command(run);
  }
  if (*resume_cmd) {
    resume.run_root = run_root;
    return flow::rt::resume_command(resume);
  }
  if (*runs_cmd) return flow::rt::list_runs_command(run_root);
  if (*show_cmd && show_id == "last") {
    show_id = flow::rt::latest_run(run_root);
    if (show_id.empty()) {
      std::fprintf(stderr, "flow: no runs under %s yet; start one with `flow run FILE`\n",
                   run_root.c_str());
      return 2;
    }
  }
  if (*show_cmd && !show_step.empty())
    return flow::rt::show_step_output_command(run_root, show_id, show_step);
  if (*show_cmd)
    return show_json ? flow::rt::show_run_json_command(run_root, show_id)
                     : flow::rt::show_run_command(run_root, show_id);
  return 2;
}

}  // namespace

// The library reports errors as values; an exception reaching here is a bug. Say so plainly and
// exit 1 instead of aborting with a core dump: the run directory, if any, stays resumable.
int main(int argc, char** argv) {
  try {
    return flow_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flow: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "flow: internal error: unknown exception\n");
  }
  std::fprintf(stderr, "flow: please report this; a run that was started can be continued with "
                       "`flow resume`\n");
  return 1;
}

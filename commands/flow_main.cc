// flow: runs compiled flows. Subcommands run, resume, run-node, runs, show, approve, reject, report,
// export and completion; docs/runtime.md and docs/report.md.
// The front door: a .flow file is compiled here (runtime/front/), the runtime sees IR only.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "cli/completion.h"
#include "cli/mistyped.h"
#include "commands/approve.h"
#include "runtime/front/compile_source.h"
#include "runtime/front/complete_words.h"
#include "commands/history.h"
#include "runtime/store/runs.h"
#include "runtime/terminal/output_style.h"
#include "commands/report_commands.h"
#include "commands/run.h"

#ifndef FLOW_VERSION
#define FLOW_VERSION "dev"
#endif

namespace {

// The exit statuses of every command (runtime/engine/scheduler.h, ExitCode); docs/runtime.md lists
// the same, and tests/cli checks that the two agree.
constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0    success: the run succeeded, or the command did what it was asked\n"
    "  1    the run failed (a step failed, a gate ran out of retries, an approval was\n"
    "       refused), or a command could not be carried out\n"
    "  2    usage error or bad input: an unknown command or option, a .flow source error,\n"
    "       bad IR, a missing or malformed input\n"
    "  3    a budget (--max-cost, --max-tokens) stopped the run; it is resumable\n"
    "  130  interrupted by SIGINT, SIGTERM or SIGHUP; the run is resumable";

// What the command line asked for, filled in by CLI11.
struct Args {
  std::string run_root = ".flow/runs";
  flow::rt::RunRequest run;
  flow::rt::ResumeRequest resume;
  flow::rt::RunNodeRequest run_node;
  CLI::App* run_node_cmd = nullptr;
  std::string show_id, show_step;
  bool show_json = false;
  CLI::App* run_cmd = nullptr;
  CLI::App* resume_cmd = nullptr;
  CLI::App* runs_cmd = nullptr;
  CLI::App* show_cmd = nullptr;
  std::string report_id, report_out, export_id, export_otlp;
  CLI::App* report_cmd = nullptr;
  CLI::App* export_cmd = nullptr;
  flow::rt::AnswerRequest answer;
  CLI::App* approve_cmd = nullptr;
  CLI::App* reject_cmd = nullptr;
  std::string color = "auto", shell;
  bool quiet = false;
  CLI::App* completion_cmd = nullptr;
};

// Options of flow itself; they may also follow the command (`flow run -q demo.flow`), since
// the commands added afterwards inherit the fallthrough.
void add_global_options(CLI::App& app, Args& a) {
  app.fallthrough();
  app.add_option("--color", a.color,
                 "Colour the output: auto (default: on a terminal, unless NO_COLOR is set; "
                 "FORCE_COLOR forces it), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("-q,--quiet", a.quiet,
               "Print only errors, what needs an answer, and the final result");
  app.footer(std::string("Run `flow COMMAND --help` for a command's options. `flow run -` reads "
                         "the flow from standard input.\n\n") +
             kExitCodes);
}

void add_run_command(CLI::App& app, Args& a) {
  flow::rt::RunRequest& run = a.run;
  CLI::App* cmd = a.run_cmd = app.add_subcommand("run", "Run a flow (a .flow file or compiled IR .json)");
  cmd->add_option("file", run.file,
                  "FILE.flow or IR.json; `-` reads a .flow from standard input (its imports and "
                  "agent files are found from the current directory)")
      ->required();
  // One value per occurrence, so `--input a=1 demo.flow` leaves demo.flow to the positional.
  cmd->add_option("-i,--input", run.inputs, "Set an input: NAME=VALUE or NAME=@FILE (repeatable)")
      ->type_name("NAME=VALUE")  // also what makes the completion offer the flow's inputs
      ->allow_extra_args(false);
  cmd->add_option("-j,--jobs", run.jobs, "Steps to run at once (default: number of CPUs)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--backend", run.backend,
                  "Send every agent call to this backend: sim, claude, codex, llm, ollama, or "
                  "one named in the config file");
  cmd->add_option("--config", run.config_path, "Configuration file (default: ./flow.yaml if present)");
  cmd->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");
  cmd->add_flag("--dry-run", run.dry_run, "Print the plan (order, parallel groups, gates, worst-case calls) and stop");
  cmd->add_flag("-y,--yes", run.yes, "Approve human approvals and `else ask` questions automatically");
  cmd->add_option("--approvals", run.approvals,
                  "Without a terminal: `wait` for flow approve/reject, or `stop` (default: "
                  "flow.yaml approvals.mode, else wait)")
      ->check(CLI::IsMember({"wait", "stop"}));
  cmd->add_flag("--json", run.json, "Stream events as JSON lines on stdout");
  cmd->add_option("--record", run.record_dir,
                  "anthropic/openai backends: save each model request and response here (no keys)");
  cmd->add_option("--replay", run.replay_dir,
                  "anthropic/openai backends: answer model requests from a --record directory, "
                  "no network");
  cmd->add_option("--otlp-endpoint", run.otlp_endpoint,
                  "Send the run's spans live to an OpenTelemetry collector: POST URL/v1/traces "
                  "(OTLP/HTTP JSON)");
  cmd->add_option("--sim-seed", run.sim_seed, "sim: seed for generated outputs and latencies (default 1)");
  cmd->add_option("--sim-latency", run.sim_latency, "sim: latency per call, MS or a random range A-B");
  cmd->add_option("--sim-fail-review", run.sim_fail_review,
                  "sim: the review of STEP says FAIL for its first N attempts (STEP[:N], default "
                  "N=1; STEP[K][:N]: only item K of a `review each` fan-out)")
      ->allow_extra_args(false);
  cmd->add_option("--sim-fail-step", run.sim_fail_step, "sim: every agent call of STEP fails")
      ->allow_extra_args(false);
  cmd->add_option("--sim-items", run.sim_items,
                  "sim: STEP answers K items (`ITEM:` lines) for a fan-out over it (STEP:K)")
      ->allow_extra_args(false);
  cmd->add_option("--sim-cost", run.sim_cost, "sim: each call reports this cost in US dollars");
  cmd->add_option("--sim-tokens", run.sim_tokens, "sim: each call reports this many tokens");
  cmd->add_option("--max-cost", run.max_cost,
                  "Start no agent call once the run has spent this many US dollars");
  cmd->add_option("--max-tokens", run.max_tokens,
                  "Start no agent call once the run's calls have used this many tokens");
  cmd->add_flag("--prepare", run.prepare,
                "Create the run and stop before its first call; `flow run-node` then runs its "
                "nodes one at a time");
  cmd->add_option("--run-id", run.run_id, "Give the run this id (letters, digits, . _ -) "
                  "instead of a new one");
}

// The entry point of an engine that schedules the nodes itself (docs/runtime.md, "One node at
// a time").
void add_run_node_command(CLI::App& app, Args& a) {
  flow::rt::RunNodeRequest& r = a.run_node;
  CLI::App* cmd = a.run_node_cmd = app.add_subcommand(
      "run-node", "Run one node (a step or a gate) of a run, then stop");
  cmd->add_option("run", r.run, "The run's id (from `flow run --prepare`), or `last`")->required();
  cmd->add_option("node", r.node, "The step's name, or the gate's (STEP/gate)")->required();
  cmd->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");
  cmd->add_flag("-y,--yes", r.yes, "Approve human approvals automatically");
  cmd->add_flag("--json", r.json, "Stream events as JSON lines on stdout");
  cmd->add_option("--result", r.result_file,
                  "Write what became of the node as JSON: {\"node\", \"outcome\": done|passed|"
                  "sent back|skipped|failed|waiting, \"run_ended\"}");
  cmd->footer("A node runs when everything it depends on has finished; one that has finished "
              "already is not run again. A gate that fails sends its work back: run the work's "
              "nodes, then the gate, again.");
}

void add_resume_command(CLI::App& app, Args& a) {
  flow::rt::ResumeRequest& resume = a.resume;
  CLI::App* cmd = a.resume_cmd =
      app.add_subcommand("resume", "Continue an interrupted, crashed or failed run");
  cmd->add_option("run", resume.run,
                  "Run id, or `last` (default): the latest run that has not succeeded");
  cmd->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");
  cmd->add_option("-j,--jobs", resume.jobs, "Steps to run at once (default: as before)")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("-y,--yes", resume.yes, "Approve human approvals automatically");
  cmd->add_option("--approvals", resume.approvals,
                  "Without a terminal: `wait` or `stop` (default: as the run was started)")
      ->check(CLI::IsMember({"wait", "stop"}));
  cmd->add_flag("--json", resume.json, "Stream events as JSON lines on stdout");
  cmd->add_option("--record", resume.record_dir, "As for `flow run`: save model requests and responses");
  cmd->add_option("--replay", resume.replay_dir, "As for `flow run`: answer model requests from DIR");
  cmd->add_option("--max-cost", resume.max_cost, "A new cost budget in US dollars for the whole run");
  cmd->add_option("--max-tokens", resume.max_tokens, "A new token budget for the whole run");
}

void add_history_commands(CLI::App& app, Args& a) {
  a.runs_cmd = app.add_subcommand("runs", "List runs: id, flow, status, started, duration");
  a.runs_cmd->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");

  CLI::App* show = a.show_cmd = app.add_subcommand("show", "Print a run's summary table and events");
  show->add_option("run", a.show_id, "Run id (see `flow runs`), or `last` for the latest run")
      ->required();
  show->add_option("step", a.show_step, "Print only what this step answered (e.g. helper)");
  show->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");
  show->add_flag("--json", a.show_json,
                 "Print the run, its steps and their cost and tokens as one JSON document");
}

void add_report_commands(CLI::App& app, Args& a) {
  CLI::App* report = a.report_cmd =
      app.add_subcommand("report", "Write a run as one self-contained HTML page (docs/report.md)");
  report->add_option("run", a.report_id, "Run id (see `flow runs`), or `last` for the latest run")
      ->required();
  report->add_option("-o,--output", a.report_out,
                     "Where to write the page (default: RUN_DIR/report.html; - for stdout)");
  report->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");

  CLI::App* exp = a.export_cmd =
      app.add_subcommand("export", "Write a run as OpenTelemetry traces (docs/report.md)");
  exp->add_option("run", a.export_id, "Run id (see `flow runs`), or `last` for the latest run")
      ->required();
  exp->add_option("--otlp-json", a.export_otlp, "Write OTLP/JSON traces to FILE (- for stdout)")
      ->required();
  exp->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");
}

void add_answer_commands(CLI::App& app, Args& a) {
  flow::rt::AnswerRequest& r = a.answer;
  CLI::App* ok = a.approve_cmd =
      app.add_subcommand("approve", "Approve a step that a run without a terminal waits on");
  CLI::App* no = a.reject_cmd = app.add_subcommand(
      "reject", "Refuse a step that a run waits on; a gate sends the work back with the feedback");
  for (CLI::App* cmd : {ok, no}) {
    cmd->add_option("run", r.run, "Run id (see `flow runs`), or `last`")->required();
    cmd->add_option("step", r.step, "The waiting step or gate (see `flow runs`)")->required();
    cmd->add_option("--run-dir", a.run_root, "Where runs are stored (default: .flow/runs)");
  }
  ok->add_option("--comment", r.text, "A remark recorded with the approval");
  no->add_option("--feedback", r.text, "What should change; the work is sent back with it")
      ->required();
}

int show_command(Args& a) {
  if (a.show_id == "last") {
    a.show_id = flow::rt::latest_run(a.run_root);
    if (a.show_id.empty()) {
      std::fprintf(stderr, "flow: no runs under %s yet; start one with `flow run FILE`\n",
                   a.run_root.c_str());
      return 2;
    }
  }
  if (!a.show_step.empty()) return flow::rt::show_step_output_command(a.run_root, a.show_id, a.show_step);
  return a.show_json ? flow::rt::show_run_json_command(a.run_root, a.show_id)
                     : flow::rt::show_run_command(a.run_root, a.show_id);
}

int flow_main(int argc, char** argv) {
  CLI::App app{"flow: runs pipelines of AI agents described in .flow files.\n"
               "Agents are simulated (backend `sim`) unless a backend is configured; see "
               "docs/runtime.md and docs/config.md."};
  app.set_version_flag("--version", std::string("flow ") + FLOW_VERSION);
  app.require_subcommand(1);
  Args a;
  add_global_options(app, a);  // first: the commands inherit the fallthrough
  add_run_command(app, a);
  add_resume_command(app, a);
  add_run_node_command(app, a);
  add_history_commands(app, a);
  add_report_commands(app, a);
  add_answer_commands(app, a);
  a.completion_cmd = flow::cli::add_completion_command(app, "flow", &a.shell);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A mistyped command or option gets "did you mean"; anything else CLI11's own message.
    if (std::string typo = flow::cli::mistyped_name_message(app, "flow"); !typo.empty()) {
      std::fputs(typo.c_str(), stderr);
      return 2;
    }
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors are exit 2, like every other bad input
  }
  flow::rt::set_output_style({*flow::parse_color_mode(a.color), a.quiet});  // IsMember checked it
  if (*a.completion_cmd) {
    std::fputs(flow::cli::completion_script(app, "flow", a.shell).c_str(), stdout);
    return 0;
  }
  if (*a.run_cmd) {
    a.run.run_root = a.run_root;
    a.run.compile_source = &flow::front::compile_source;
    return flow::rt::run_command(a.run);
  }
  if (*a.resume_cmd) {
    a.resume.run_root = a.run_root;
    return flow::rt::resume_command(a.resume);
  }
  if (*a.run_node_cmd) {
    a.run_node.run_root = a.run_root;
    return flow::rt::run_node_command(a.run_node);
  }
  if (*a.runs_cmd) return flow::rt::list_runs_command(a.run_root);
  if (*a.show_cmd) return show_command(a);
  if (*a.report_cmd) return flow::rt::report_command(a.run_root, a.report_id, a.report_out);
  if (*a.export_cmd) return flow::rt::export_otlp_command(a.run_root, a.export_id, a.export_otlp);
  if (*a.approve_cmd || *a.reject_cmd) {
    a.answer.run_root = a.run_root;
    a.answer.approve = a.approve_cmd->parsed();
    return flow::rt::answer_command(a.answer);
  }
  return 2;
}

// `flow __complete ...`: words for a completion script, or nothing; silent even on a bug, since
// whatever it prints lands on the user's command line.
int complete_main(int argc, char** argv) {
  try {
    flow::front::CompletionWords words;
    if (!flow::front::completion_words(std::vector<std::string>(argv + 2, argv + argc), &words)) return 2;
    std::fputs(flow::cli::candidate_lines(words).c_str(), stdout);
    return 0;
  } catch (...) {
    return 1;
  }
}

}  // namespace

// The library reports errors as values; an exception reaching here is a bug. Say so plainly and
// exit 1 instead of aborting with a core dump: the run directory, if any, stays resumable.
int main(int argc, char** argv) {
  try {
    // The completion scripts' helper (cli/completion.h), before CLI11: it must print words or
    // nothing, never a usage message, whatever follows it.
    if (argc >= 2 && std::string(argv[1]) == "__complete") return complete_main(argc, argv);
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

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "runtime/report/otlp_live.h"
#include "runtime/terminal/output_style.h"
#include "runtime/engine/plan.h"
#include "commands/run_setup.h"
#include "runtime/store/run_store.h"
#include "runtime/engine/scheduler.h"
#include "runtime/processes/signals.h"
#include "runtime/terminal/status.h"
#include "runtime/report/summary.h"
#include "runtime/terminal/terminal_text.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

// run_scheduler()'s code when the run ended and record_end() still has to record it.
constexpr int kRunEnded = 0x1000;

std::unique_ptr<Status> make_status(bool as_json) {
  if (as_json) return make_json_status(stdout, stderr);
  if (output_style().quiet) return make_quiet_status(stdout);
  if (isatty(1)) return make_tty_status(stdout, color_on(1));
  return make_plain_status(stdout);
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
    run_error(err + "\n  the run's status could not be recorded; free space, then: flow resume " +
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

// `flow run-node` of a node still waiting: what for. (One that has finished is not run again,
// without an error: an engine may retry a task whose process died after recording it.)
void report_not_ready(const RunState& s, const Plan& plan, uint32_t id) {
  const ir::Node& node = s.flow.nodes[id];
  std::string waits;
  for (uint32_t d : plan.deps(id))
    if (plan.node(d).state != State::Done && plan.node(d).state != State::Skipped)
      waits += (waits.empty() ? "`" : ", `") + s.flow.nodes[d].name + "`";
  run_error(fmt::format("node `{}` of run {} is not ready: it waits for {}\n  run those first "
                        "(`flowc graph` shows the order)", node.name, s.run_id,
                        waits.empty() ? "the steps before it" : waits));
}

// Stepping, when the run goes on: run.json says so (no process carries it now), the node's
// outcome is printed and, with --result, written as JSON. False when it cannot be recorded.
// `status` null: say nothing (the node was not ready, which has been said).
bool record_step(RunState& s, const ExecuteOptions& o, const Scheduler& scheduler, Status* status) {
  std::string err;
  s.meta["status"] = "paused";
  s.meta.erase("pid");
  if (!write_file_atomic(s.dir + "/run.json", s.meta.dump(2) + "\n", true, &err)) {
    run_error(err + "\n  free space, then run the node again: it starts where it stopped");
    return false;
  }
  if (!status) return true;
  if (!o.only_node) {
    status->message(fmt::format("run {}: prepared; run its nodes with flow run-node {} NODE",
                               s.run_id, s.run_id));
    return true;
  }
  const ir::Node& node = s.flow.nodes[*o.only_node];
  const std::string outcome = scheduler.node_outcome();
  status->message(fmt::format("run {}: node `{}` {}", s.run_id, node.name, outcome));
  return write_result(s, o.result_file, *o.only_node, outcome, false);
}

int run_scheduler(RunState& s, const ExecuteOptions& o, Plan& plan, Status& status,
                  const std::vector<Event>& events, int64_t next_seq) {
  bool simulated = false;
  std::string backends = backends_in_use(s, &simulated);
  RunEnv env;
  env.inputs = s.inputs;
  env.run_id = s.run_id;
  env.run_dir = s.dir;
  env.jobs = o.jobs;
  env.yes = o.yes;
  env.wait_approvals = o.wait_approvals;
  env.approvals_notify = s.router.config.approvals_notify;
  env.resumed = o.resumed;
  env.stepping = o.stepping;
  env.only_node = o.only_node;
  env.inline_calls = o.stepping;
  env.limits = s.limits;
  env.spent = spent_from_events(events);
  Cancel cancel;
  EventLog log;
  std::string err;
  Scheduler scheduler(env, plan, log, status, s.router, s.pools, cancel);
  // Before anything is written: a log that does not fit the flow leaves the run as it is.
  if (!scheduler.restore(events, &err)) {
    run_error(s.dir + "/" + err + "\n  the run was left unchanged; it cannot be resumed with this "
              "ir.json (was a file of the run directory edited or replaced?)");
    return kExitUsage;
  }
  if (!log.open(s.dir + "/events.jsonl", next_seq, &err)) {
    run_error(err);
    return kExitFailed;
  }
  s.meta["status"] = "running";
  s.meta["pid"] = getpid();
  if (!write_file_atomic(s.dir + "/run.json", s.meta.dump(2) + "\n", true, &err)) {
    run_error(err + "\n  free space (or fix the cause), then continue with: flow resume " + s.run_id);
    return kExitFailed;
  }
  status.begin(s.flow, finished_nodes(plan));
  if (simulated && !output_style().quiet && !(o.stepping && o.resumed))
    status.message("NOTE: agents are SIMULATED (backend sim): their outputs are generated "
                   "text, not real work. Configure a backend to run real agents (docs/config.md).");
  if (!o.resumed) {
    size_t gates = std::count_if(s.flow.nodes.begin(), s.flow.nodes.end(), [](const ir::Node& n) {
      return n.kind() == ir::NodeKind::Gate;
    });
    json inputs = json::object();
    for (const auto& [k, v] : s.inputs) inputs[k] = v;
    status.event(log.emit(ev::RunStart{s.run_id, s.flow.name, backends, simulated, o.jobs,
                                       inputs.dump(-1, ' ', false, json::error_handler_t::replace),
                                       static_cast<int64_t>(s.flow.nodes.size() - gates),
                                       static_cast<int64_t>(gates)}));
  }
  SignalThread signals(cancel, scheduler);
  int code = scheduler.run();
  status.finish();
  if (scheduler.not_ready()) {
    report_not_ready(s, plan, *o.only_node);
    return record_step(s, o, scheduler, nullptr) ? kExitUsage : kExitFailed;
  }
  if (code == kExitFailed || code == kExitBudget) status.message(scheduler.report());
  if (code == kExitInterrupted)
    status.message(fmt::format("interrupted; continue with: flow resume {}", s.run_id));
  if (o.stepping && !scheduler.ended()) return record_step(s, o, scheduler, &status) ? code : kExitFailed;
  if (o.only_node && !write_result(s, o.result_file, *o.only_node, scheduler.node_outcome(), true)) return kExitFailed;
  return code | kRunEnded;
}

}  // namespace

int execute(RunState& s, const ExecuteOptions& o, const std::vector<Event>& events,
            int64_t next_seq) {
  RunLock lock;
  if (!lock.try_lock(s.dir)) {
    run_error("run " + s.run_id + " is being run by another flow process");
    return kExitUsage;
  }
  Plan plan(s.flow, s.inputs);
  if (!plan.error().empty()) {
    run_error(plan.error());
    return kExitUsage;
  }
  auto status = make_status(o.json);
  if (!s.otlp_endpoint.empty()) status = make_otlp_status(std::move(status), s.otlp_endpoint, s.run_id, s.flow.name);
  // The summary printed at the end: the events of the run's earlier processes (a resume), then
  // each event as it is emitted, instead of reading events.jsonl back at the end.
  Summary summary;
  for (const Event& e : events) summary.add(e);
  status = make_summary_feed(std::move(status), &summary);
  int code = run_scheduler(s, o, plan, *status, events, next_seq);
  if (!(code & kRunEnded)) return code;
  return record_end(s, code & ~kRunEnded, o.json, *status, summary);
}

}  // namespace flow::rt

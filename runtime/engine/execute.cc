#include "runtime/engine/execute.h"

#include <atomic>
#include <chrono>
#include <exception>

#include "runtime/store/events.h"
#include "runtime/store/run_store.h"
#include "runtime/processes/subprocess.h"
#include "runtime/processes/write_guard.h"

namespace flow::rt {
namespace {

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Prompt and output files are written plainly, neither renamed nor fsynced: the `done` event
// holds the output's hash, and resume re-runs a step whose file is missing, torn or different
// (docs/runtime.md). Creating files is the dominant cost of huge runs, so an empty output is
// not written at all (its hash says it is empty): 10,000 `true` steps need no 10,000 files.
// A failed write fails the call (store_error) so that it never counts as finished.
void save_file(const std::string& dir, const std::string& rel, const std::string& text,
               std::string* store_error) {
  if (text.empty() || rel.empty() || !store_error->empty()) return;
  write_file(dir + "/" + rel, text, store_error);
}

// Once per run: the kernel cannot confine agents' writes here, so they are checked after each
// call instead (an event, which the run's output shows).
void note_unconfined(const std::string& why, std::vector<std::string>* events) {
  static std::atomic<bool> said{false};
  if (said.exchange(true)) return;
  events->push_back(backend_event_text(ev::WriteScopesUnconfined{.reason = why}));
}

void run_shell(const ShellCall& sh, const ExecContext& ctx, CallResult& r) {
  SubprocessSpec sp;
  sp.argv = {"/bin/sh", "-c", sh.command};
  sp.env = sh.env;  // inputs and outputs travel here, never inside the command text
  sp.merge_stderr = true;
  sp.record_dir = ctx.run_dir + "/procs";
  int scope = ctx.scopes->begin(WriteScope{true, {}});  // a command may write anywhere
  SubprocessResult s = run_subprocess(sp, ctx.cancel);
  ctx.scopes->end(scope);
  r.ok = s.ok();
  r.cancelled = s.cancelled;
  r.output = std::move(s.out);
  if (!r.ok)
    r.error = "`" + sh.command + "`: " + describe_exit(s, 0) +
              (r.output.empty() ? "" : "\n" + tail_of(r.output));
}

void run_agent(AgentCall& a, const Call& call, const ExecContext& ctx, CallResult& r) {
  save_file(ctx.run_dir, call.prompt_file, a.request.prompt, &r.store_error);
  if (!r.store_error.empty()) return;  // no call whose prompt is not on record
  Backend* backend = a.backend;
  AgentRequest& req = a.request;
  // A real agent's writes must stay inside its write scope (write_guard.h); simulated agents
  // write nothing.
  const bool real = !backend->simulated();
  WriteGuard guard({req.agent, a.scope, ctx.run_dir, a.recordings,
                    real && backend->may_change_files(req), backend->confinable(), ctx.scopes});
  req.landlock_ruleset = -1;  // this call's own, set by the guard (a retried call gets anew)
  req.tmpdir.clear();
  std::string refused;
  AgentResult got;
  if (real && !guard.begin(&req, &refused)) {
    got.error = refused;
  } else {
    got = backend->call(req, ctx.cancel);
    std::string bad = real ? guard.end(got, &got.events) : "";
    if (!bad.empty()) {  // not retried: a second call would break the scope again
      got.ok = false;
      got.retryable = false;
      got.error = got.error.empty() ? bad : got.error + "\n" + bad;
    }
    if (!guard.fallback().empty()) note_unconfined(guard.fallback(), &got.events);
  }
  r.cancelled = ctx.cancel->requested();
  r.ok = got.ok && !r.cancelled;
  r.retryable = got.retryable && !r.cancelled;
  r.output = std::move(got.output);
  r.error = std::move(got.error);
  r.usage = got.usage;
  r.events = std::move(got.events);
}

void run_ask(const AskCall& ask, const ExecContext& ctx, CallResult& r) {
  const Question& q = ask.question;
  Answer a = ask.wait ? wait_for_approval(ask.where, q.text, ctx.cancel)
                      : ask_human(ask.where, q, ctx.yes, ctx.screen, ctx.cancel);
  r.ok = a.approved;
  r.refused = a.refused;
  r.cancelled = a.cancelled;
  r.output = a.approved ? "approved (" + a.how + ")\n" + a.comment : "not approved\n" + a.feedback;
  if (a.refused && ask.wait)
    r.error = "cannot wait for an approval: " + a.feedback;
  else if (a.refused)
    r.error = "needs a human approval (\"" + q.text + "\") but stdin is not a terminal; "
              "run it from a terminal, or pass --yes to approve automatically";
  else if (!a.approved)
    r.error = "not approved" + (a.feedback.empty() ? "" : ": " + a.feedback);
  r.answer = std::move(a);
}

void run_call(Call& call, const ExecContext& ctx, CallResult& r) {
  switch (call.kind) {
    case CallKind::Agent:
    case CallKind::Review: return run_agent(call.agent, call, ctx, r);
    case CallKind::Command:
    case CallKind::Check: return run_shell(call.shell, ctx, r);
    case CallKind::Human: return run_ask(call.ask, ctx, r);
    case CallKind::Verdict:  // the judged step answered already: its answer is the output
      r.ok = true;
      r.output = call.answer;
      return;
  }
}

}  // namespace

const char* to_string(CallKind kind) {
  switch (kind) {
    case CallKind::Agent: return "agent";
    case CallKind::Review: return "review";
    case CallKind::Command: return "command";
    case CallKind::Check: return "check";
    case CallKind::Human: return "human";
    case CallKind::Verdict: return "verdict";
  }
  return "?";
}

CallResult execute(Call& call, const ExecContext& ctx) {
  CallResult r;
  if (call.delay_ms > 0 && !ctx.cancel->sleep_for(call.delay_ms)) {
    r.cancelled = true;  // Ctrl-C during a retry's backoff: no further call
    r.hash = output_hash("");
    return r;
  }
  if (!call.error.empty()) {  // nothing to call: composing it failed
    r.error = call.error;
    r.hash = output_hash("");
    return r;
  }
  const int64_t t0 = steady_ms();
  try {
    run_call(call, ctx, r);
  } catch (const std::exception& e) {  // a backend must not take the whole run down
    r.ok = false;
    r.retryable = false;
    r.error = std::string("internal error: ") + e.what();
  }
  r.ms = steady_ms() - t0;
  // A verdict's output is the judged step's file, already saved.
  if (call.kind != CallKind::Verdict) save_file(ctx.run_dir, call.output_file, r.output, &r.store_error);
  r.hash = output_hash(r.output);
  return r;
}

}  // namespace flow::rt

#pragma once
// One call the engine makes for a ready task, and what comes back: plain data between the
// scheduler, which decides what runs, and the executor, which runs it (execute.h) on a runner
// (runner.h). A call carries everything it needs, resolved: no plan, no other node's state.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/terminal/ask.h"
#include "runtime/backends/backend.h"
#include "runtime/engine/plan.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

// What a task runs. Its name is the `kind` of the task's events.
enum class CallKind : uint8_t {
  Agent,    // an agent step (one item of a fan-out)
  Review,   // a gate's review by an agent
  Command,  // a `run` step
  Check,    // a gate's `check` command
  Human,    // an approval step or gate: a question to a person
  Verdict,  // `check verdict`: the judged step's answer, already given; no call
};
const char* to_string(CallKind kind);  // "agent", "review", "command", "check", "human", "verdict"

struct AgentCall {
  Backend* backend = nullptr;  // null: the router had none (the call fails with `error`)
  AgentRequest request;
  WriteScope scope;
  std::string recordings;  // `--record DIR` inside the tree (not the agent's writes), "" if none
};

struct ShellCall {
  std::string command;
  std::vector<std::pair<std::string, std::string>> env;  // FLOW_INPUT_*, FLOW_OUTPUT_*, ...
};

struct AskCall {
  Question question;
  WaitSpec where;
  bool wait = false;  // no terminal: wait for `flow approve` instead of asking
};

struct Call {
  Task task;
  int attempt = 1;
  CallKind kind = CallKind::Agent;
  std::string output_file, prompt_file;  // relative to the run directory; "" = none
  int number = 1;         // which call of the task this is: a failed backend call is tried again
  RetryPolicy retry;      // how often and how soon (backend.h)
  int64_t delay_ms = 0;   // before calling: a retried call's backoff
  std::string error;      // set when composing failed (no backend): the call fails with it
  AgentCall agent;        // kind Agent, Review
  ShellCall shell;        // kind Command, Check
  AskCall ask;            // kind Human
  std::string answer;     // kind Verdict: the judged step's output
};

struct CallResult {
  bool ok = false;
  bool cancelled = false;  // interrupted: unfinished, a resumed run calls again
  bool refused = false;    // a question nobody could be asked
  bool retryable = false;  // a backend call that may succeed when tried again
  std::string output, error;
  std::string hash;         // of the output (output_hash)
  std::string store_error;  // the prompt or output file could not be written: nothing counts
  int64_t ms = 0;
  Answer answer;            // kind Human: how, feedback, who, comment, notify_error
  AgentUsage usage;         // what the agent program reported
  std::vector<std::string> events;  // the backend's own events (AgentResult::events)
};

struct Finished {
  Call call;
  CallResult result;
};

}  // namespace flow::rt

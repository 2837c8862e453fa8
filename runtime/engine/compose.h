#pragma once
// Composing the call of a ready task: the agent, its backend and its request (the prompt from
// the run's inputs and the outputs upstream, prompt.h), the command and what it sees, or the
// question; and the files the call writes. Reads the plan and the outputs, changes neither.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>


#include "ir/ir.h"
#include "runtime/engine/call.h"
#include "runtime/engine/inputs.h"
#include "runtime/engine/plan.h"
#include "runtime/engine/prompt.h"
#include "runtime/backends/router.h"

namespace flow::rt {

// The outputs of the run so far: per node its latest finished output and that output's file
// (relative to the run directory; a fan-out's combined output), and per fan-out item.
struct Outputs {
  std::vector<std::string> text, file;
  std::vector<std::vector<std::string>> items;
};

// What of the run every call is composed from.
struct ComposeEnv {
  std::string run_id, run_dir;
  InputValues inputs;
  ContextBudget budget;
  bool yes = false;             // --yes: no question is asked
  bool wait_approvals = false;  // no terminal: questions wait for `flow approve`
  std::string approvals_notify;
  std::string recordings;       // `--record DIR` inside the tree, "" if none
};

// What a call's `dispatch` event names: its kind, and for agents the agent, model and backend.
struct CallNames {
  std::string kind;  // "" until the composer sets it
  std::optional<std::string> agent, model, backend;
};

// A composed call and how its `dispatch` event names it. `approval_wait`: the call is a
// question that waits for `flow approve`.
struct Composed {
  Call call;
  CallNames names;
  bool approval_wait = false;
};

class Composer {
 public:
  Composer(ComposeEnv env, const Plan& plan, const Outputs& outputs, Router& router);

  Composed compose(const Task& t);

  // "steps/NAME.aN[.TK]SUFFIX": where a task's files go, relative to the run directory.
  std::string step_file(uint32_t id, int attempt, int index, char tag, const char* suffix) const;
  // Where the question of `step` is recorded (approvals.h), and the outputs it is about.
  WaitSpec wait_spec(const std::string& step, const char* kind) const;
  std::vector<WorkShown> question_work(uint32_t id);
  // Whether a question waits for `flow approve` (no terminal, and the run waits).
  bool waits_for_approval() const;

  const ComposeEnv& env() const { return env_; }
  int item_cap(uint32_t id) const { return item_cap_[id]; }
  uint32_t node_named(const std::string& name) const;  // UINT32_MAX when none
  const std::unordered_map<std::string, uint32_t>& names() const { return by_name_; }

 private:
  void compose_gate(const Task& t, Composed& c);
  void compose_step(const Task& t, Composed& c);
  void compose_agent(const ir::Agent& agent, const char* kind, Composed& c);
  void compose_ask(uint32_t id, std::string question, bool gate, Composed& c);
  std::string step_instructions(uint32_t id) const;
  std::vector<std::pair<std::string, std::string>> command_env(uint32_t id);
  Context upstream(uint32_t id);
  Context gate_work(uint32_t gate);
  Context item_work(uint32_t gate, int item);
  std::string work_label(const Task& t) const;
  bool take(Context& c, const std::string& step, const std::string& file, const std::string& text,
            size_t* bytes) const;

  ComposeEnv env_;
  std::string inputs_text_;  // the inputs part of every prompt (inputs_section), composed once
  const Plan& plan_;
  const ir::Flow& flow_;
  const Outputs& outputs_;
  Router& router_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::vector<int> item_cap_;           // per node: cap of a fan-out over its answer (0: none)
  std::vector<std::string> judged_by_;  // per node: the gate that reads its own verdict
  std::vector<uint32_t> seen_;          // context walk marks, valid when == seen_stamp_
  uint32_t seen_stamp_ = 0;
};

}  // namespace flow::rt

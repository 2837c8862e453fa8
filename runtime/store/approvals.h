#pragma once
// Approvals without a terminal: a waiting approval is a request file in the run directory
// (RUN/approvals/STEP.request); `flow approve` / `flow reject` answer it with STEP.answer,
// created without replacing (link(2)), so of two racing answers exactly one is taken. The
// running `flow` polls for the answer. Files, not sockets: they survive a killed `flow`, so a
// resumed run keeps waiting for the same request, or takes an answer written meanwhile.
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/engine/cancel.h"

namespace flow::rt {

struct ApprovalRequest {
  std::string step, question, kind;  // kind: "step", "gate" or "else ask"
  std::string since;                 // ISO time the wait began
  std::string stage;                 // the step's stage ("" in requests of older runs)
};

struct ApprovalAnswer {
  bool approved = false;
  std::string feedback;  // reject: what should change
  std::string comment;   // approve: optional remark
  std::string who, when;
};

std::string approvals_dir(const std::string& run_dir);

// Records that `req.step` waits. A request for the step left by an earlier (killed) process is
// kept, with any answer written meanwhile; a stale answer without a request is removed.
bool open_request(const std::string& run_dir, const ApprovalRequest& req, std::string* error);

// Waits (polling, no busy loop) until STEP.answer exists or `cancel` is requested. Then removes
// the request; the answer stays until the step's next request. False when cancelled.
bool wait_for_answer(const std::string& run_dir, const std::string& step, Cancel* cancel,
                     ApprovalAnswer* answer);

// Whether `step` has been answered (its answer file is there), without taking the answer.
bool answered(const std::string& run_dir, const std::string& step);

// The requests that wait in a run directory, sorted by step.
std::vector<ApprovalRequest> pending_requests(const std::string& run_dir);

// Answers the waiting request of `step`. False with a message saying why: nothing waits for
// `step` (the message lists what waits), or another answer was already given.
bool answer_request(const std::string& run_dir, const std::string& step,
                    const ApprovalAnswer& answer, std::string* error);

}  // namespace flow::rt

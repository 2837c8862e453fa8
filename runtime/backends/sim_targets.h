#pragma once
// `--sim-fail-review STEP` and `--sim-fail-step STEP` name steps of the flow being run; a name
// that matches nothing would silently test nothing, so it is an error (with "did you mean").
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/backends/backend.h"

namespace flow::rt {

// True when every STEP names something the option can act on: for fail_review, a gate with a
// review check or its target; for fail_step, an agent step. Else *error says which and why.
bool check_sim_targets(const ir::Flow& flow, const std::vector<SimFailReview>& fail_review,
                       const std::vector<std::string>& fail_step, std::string* error);
// `--sim-items STEP:K`: STEP must be a step that a fan-out takes its items from.
bool check_sim_items(const ir::Flow& flow, const std::vector<SimFailReview>& items,
                     std::string* error);

}  // namespace flow::rt

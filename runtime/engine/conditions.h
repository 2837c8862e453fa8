#pragma once
// Whether a node's `when` conditions hold (docs/language.md, "Conditions"). Conditions on
// inputs are decided when the run starts; conditions on a step's outcome when the node is
// ready to run, since by then the step they name has finished (the compiler checks, E0402).
#include <functional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/engine/inputs.h"

namespace flow::rt {

// "" when every input condition of the node (`when`, and `conditions` on inputs) holds; else
// why it does not, for the `skip` event: "input `deep` is false".
std::string input_conditions_fail(const ir::Node& node, const InputValues& inputs);

// What a step's outcome condition reads from the plan, per node of the step.
struct NodeOutcome {
  bool done = false;        // finished and not skipped
  bool unapproved = false;  // a gate accepted after its retries ran out
};

// "" when every step-outcome condition holds; else why not: "`validate` did not pass cleanly".
std::string step_conditions_fail(const ir::Node& node,
                                 const std::function<NodeOutcome(uint32_t)>& outcome);

bool has_step_conditions(const ir::Node& node);

}  // namespace flow::rt

#pragma once
// Checks that an IR read from JSON holds together the way `flowc compile` writes it
// (docs/ir.md, "Guarantees"): ir_json.h checks each field's shape; this checks the references
// between them. The runtime runs it on every flow it loads, so a hand-written or edited IR file
// cannot reach the scheduler with an undeclared agent, a gate with nothing to check, a cycle or
// two nodes of one name.
#include <string>

#include "ir/ir.h"

namespace flow::ir {

// True when `flow` is consistent; else false with *error naming the first problem by its JSON
// pointer, e.g. "/nodes/3/agent: agent `critic` is not declared in /agents".
bool validate(const Flow& flow, std::string* error);

}  // namespace flow::ir

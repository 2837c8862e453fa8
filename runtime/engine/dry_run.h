#pragma once
// `flow run --dry-run`: the plan in words — steps grouped into levels that can run in
// parallel, the gates, and the worst-case number of agent calls — without running anything.
#include <cstdint>
#include <string>

#include "runtime/engine/plan.h"
#include "runtime/backends/router.h"

namespace flow::rt {

// Each agent call counts once per fan-out item, times (1 + retries) of every gate guarding
// it; each review check counts once per attempt of its gate (and of the gates around it).
int64_t worst_case_calls(const Plan& plan);

std::string describe_plan(const Plan& plan, const Router& router);

}  // namespace flow::rt

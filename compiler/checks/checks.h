#pragma once
// The checks that run on a lowered flow. Each family lives in its own file and appends
// diagnostics; none of them changes the program or the IR. All are linear in the size of the
// flow (times the nesting depth where a gate lists its members; E0500 times the number of
// groups of overlapping `writes` patterns, over 16), so that 100k-step flows check
// in well under a second.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiler/lower.h"
#include "compiler/resolve.h"
#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

// A node index that names no node ("not reached", "no parent", "no position"): shared by the
// checks' graph searches.
inline constexpr uint32_t kNone = UINT32_MAX;

struct CheckContext {
  const SourceMap& sources;
  const Program& program;
  const Lowered& lowered;
  std::vector<Diagnostic>& diags;
};

void check_cycles(const CheckContext& ctx);       // E0200, E0401 (checks/cycles.cc)
void check_gates(const CheckContext& ctx);        // E0301–E0305 (checks/gates.cc)
void check_order(const CheckContext& ctx);        // E0400 (checks/order.cc)
void check_permissions(const CheckContext& ctx);  // E0500–E0503 (checks/permissions.cc)
void check_concurrent_writes(const CheckContext& ctx);  // E0500 (checks/concurrent_writes.cc)
void check_roles(const CheckContext& ctx);        // E0505, W0105 (checks/roles.cc)
void check_conditions(const CheckContext& ctx);   // E0402 (checks/conditions.cc)
void check_environment(const CheckContext& ctx);  // E0117 (checks/environment.cc)
void check_calls(const CheckContext& ctx);        // E0600 (checks/calls.cc)
void check_warnings(const CheckContext& ctx);     // W0100–W0103 (checks/warnings.cc)

// The first writing tool `agent` holds (Write, Edit, ..., Bash), or nullptr.
const char* writing_tool(const ir::Agent& agent);

// All of the above, in that order; check_cycles alone when `all` is false (a cycle makes the
// IR unusable, so it is checked even when the caller skips the rest). From
// `nodes_for_two_threads` nodes on, the writes are checked on a second thread; the
// diagnostics come out in the same order either way.
inline constexpr size_t kNodesForTwoThreads = 20000;
void run_checks(const CheckContext& ctx, bool all,
                size_t nodes_for_two_threads = kNodesForTwoThreads);

}  // namespace flow

#include "compiler/checks/checks.h"

#include <system_error>
#include <thread>

namespace flow {
namespace {

void append(std::vector<Diagnostic>& to, std::vector<Diagnostic>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

// Below kNodesForTwoThreads nodes a second thread costs more than it saves (and editors, which
// re-check small files on every keystroke, stay on one thread).
void run_checks(const CheckContext& ctx, bool all, size_t nodes_for_two_threads) {
  if (!all || ctx.lowered.flow.nodes.size() < nodes_for_two_threads) {
    check_cycles(ctx);
    if (!all) return;
    check_gates(ctx);
    check_order(ctx);
    check_conditions(ctx);
    check_environment(ctx);
    check_permissions(ctx);
    check_calls(ctx);
    check_warnings(ctx);
    return;
  }
  // The checks only read the program and the IR, so the costliest one (the writes) runs
  // beside the others, from the start: it leaves out nodes on a cycle, so it need not wait
  // for the cycle check. The call count goes with it, which evens out the two threads. Each
  // writes its own list; they are joined in the one-thread order, so the output does not
  // depend on which finished first.
  std::vector<Diagnostic> cycles, before, writes, calls, after;
  auto check_writes = [&] {
    check_permissions({ctx.sources, ctx.program, ctx.lowered, writes});
    check_calls({ctx.sources, ctx.program, ctx.lowered, calls});
  };
  std::thread permissions;
  try {
    permissions = std::thread(check_writes);
  } catch (const std::system_error&) {  // no thread to be had: one after the other, then
    check_writes();
  }
  check_cycles({ctx.sources, ctx.program, ctx.lowered, cycles});
  CheckContext first{ctx.sources, ctx.program, ctx.lowered, before};
  check_gates(first);
  check_order(first);
  check_conditions(first);
  check_environment(first);
  check_warnings({ctx.sources, ctx.program, ctx.lowered, after});
  if (permissions.joinable()) permissions.join();
  append(ctx.diags, cycles);
  append(ctx.diags, before);
  append(ctx.diags, writes);
  append(ctx.diags, calls);
  append(ctx.diags, after);
}

}  // namespace flow

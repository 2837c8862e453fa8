#include "compiler/checks/checks.h"

namespace flow {

void run_checks(const CheckContext& ctx, bool all) {
  check_cycles(ctx);
  if (!all) return;
  check_gates(ctx);
  check_order(ctx);
  check_conditions(ctx);
  check_environment(ctx);
  check_permissions(ctx);
  check_calls(ctx);
  check_warnings(ctx);
}

}  // namespace flow

// `rule at most N calls` (E0600) against the static worst case (compiler/stats.h).
#include <optional>

#include <fmt/format.h>

#include "compiler/checks/checks.h"
#include "compiler/diagnostic_registry.h"
#include "compiler/stats.h"

namespace flow {

void check_calls(const CheckContext& ctx) {
  std::optional<CallStats> stats;
  for (const ast::RuleDecl* rule : ctx.program.rules) {
    if (rule->kind != ast::RuleDecl::Kind::AtMostCalls) continue;
    if (!stats) stats = worst_case_calls(ctx.lowered.flow);
    if (stats->unbounded) {
      Diagnostic d = make_diagnostic(
          "E0600", rule->span,
          fmt::format("rule cannot hold: the number of agent calls has no bound, because step "
                      "`{}` fans out over an input with no default list",
                      stats->unbounded_steps.front()));
      d.help = "give the input a default list, or fan out over a literal list";
      ctx.diags.push_back(std::move(d));
    } else if (stats->calls > static_cast<uint64_t>(rule->limit.value)) {
      Diagnostic d = make_diagnostic(
          "E0600", rule->span,
          fmt::format("rule broken: the worst case is {}{} agent calls, more than {}",
                      stats->calls == CallStats::kCap ? "at least " : "", stats->calls,
                      rule->limit.value));
      d.notes.push_back(
          "each agent step counts once per fan-out item; each gate multiplies what it guards "
          "by 1 + retries, and a review adds a reviewer call per attempt (`review each` on a "
          "fan-out: per item)");
      d.help = "lower `retries`, fan out over fewer items, or raise the limit; "
               "`flowc check --stats` shows the count";
      ctx.diags.push_back(std::move(d));
    }
  }
}

}  // namespace flow

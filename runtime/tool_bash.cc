// Bash.
#include "runtime/tool_impl.h"

namespace flow::rt {

ToolOutcome tool_bash(const ToolEnv&, const BashInput&) { return tool_error("Bash: not available yet"); }

}  // namespace flow::rt

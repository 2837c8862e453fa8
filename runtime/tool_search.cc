// Glob and Grep.
#include "runtime/tool_impl.h"

namespace flow::rt {

ToolOutcome tool_glob(const ToolEnv&, const GlobInput&) { return tool_error("Glob: not available yet"); }
ToolOutcome tool_grep(const ToolEnv&, const GrepInput&) { return tool_error("Grep: not available yet"); }

}  // namespace flow::rt

// Read, Write and Edit.
#include "runtime/tool_impl.h"

namespace flow::rt {

ToolOutcome tool_read(const ToolEnv&, const ReadInput&) { return tool_error("Read: not available yet"); }
ToolOutcome tool_write(const ToolEnv&, const WriteInput&) { return tool_error("Write: not available yet"); }
ToolOutcome tool_edit(const ToolEnv&, const EditInput&) { return tool_error("Edit: not available yet"); }

}  // namespace flow::rt

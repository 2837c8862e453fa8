#pragma once
// From the IR's agent to what a backend that runs the agent program needs: its Claude Code
// fields and its write scope.
#include <string>

#include "ir/ir.h"
#include "runtime/backends/backend.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

// Copies tools, disallowed tools, writes, permission mode, max turns and MCP servers.
void set_agent_fields(const ir::Agent& agent, AgentRequest* req);
WriteScope write_scope_of(const ir::Agent& agent);

}  // namespace flow::rt

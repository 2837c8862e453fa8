#pragma once
// From the IR's agent to what a backend that runs the agent program needs: its Claude Code
// fields, its write scope, and the check of the working tree after the call.
#include <set>
#include <string>

#include "compiler/ir.h"
#include "runtime/backend.h"
#include "runtime/write_scope.h"

namespace flow::rt {

// Copies tools, disallowed tools, writes, permission mode, max turns and MCP servers.
void set_agent_fields(const ir::Agent& agent, AgentRequest* req);
WriteScope write_scope_of(const ir::Agent& agent);

// Directories the working-tree check never looks at: .git, .flow, and the top directory of
// the run directory when it is inside the current directory.
std::set<std::string> untracked_dirs(const std::string& run_dir);

// "" when every changed file is inside `scope`; else the error that fails the step.
std::string scope_violation(const std::string& agent, const TreeSnapshot& before,
                            const TreeSnapshot& after, const WriteScope& scope);

}  // namespace flow::rt

#include "runtime/backends/agent_fields.h"

namespace flow::rt {

void set_agent_fields(const ir::Agent& agent, AgentRequest* req) {
  req->tools = agent.tools;
  req->disallowed_tools = agent.disallowed_tools;
  req->writes = agent.writes;
  req->permission_mode = agent.permission_mode;
  req->max_turns = agent.max_turns;
  req->mcp_servers = agent.mcp_servers;
}

WriteScope write_scope_of(const ir::Agent& agent) {
  static const std::vector<std::string> none;
  return agent_write_scope(agent.tools.has_value(), agent.tools ? *agent.tools : none, agent.writes);
}

}  // namespace flow::rt

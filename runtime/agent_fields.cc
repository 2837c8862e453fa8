#include "runtime/agent_fields.h"

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
std::set<std::string> untracked_dirs(const std::string& run_dir) {
  std::set<std::string> out{".git", ".flow"};
  std::string top = run_dir.substr(0, run_dir.find('/'));
  if (!top.empty() && top != "." && top != ".." && run_dir[0] != '/') out.insert(top);
  return out;
}

std::string scope_violation(const std::string& agent, const TreeSnapshot& before,
                            const TreeSnapshot& after, const WriteScope& scope) {
  std::vector<std::string> bad = outside_scope(changed_files(before, after), scope);
  if (bad.empty()) return "";
  std::string where;
  for (const std::string& g : scope.globs) where += (where.empty() ? "" : ", ") + g;
  std::string out = "files changed outside the write scope of `" + agent + "`" +
                    (where.empty() ? " (and of every step running with it), which may write nothing"
                                   : " and the steps running with it (" + where + ")") + ":";
  const size_t kMax = 20;
  for (size_t i = 0; i < bad.size() && i < kMax; ++i) out += "\n  " + bad[i];
  if (bad.size() > kMax) out += "\n  ... and " + std::to_string(bad.size() - kMax) + " more";
  return out;
}

}  // namespace flow::rt

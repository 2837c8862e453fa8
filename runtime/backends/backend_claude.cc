// The `claude` backend: one `claude -p` per call. The agent's prompt is the system prompt, the
// rest of the composed prompt goes on stdin, its tools and write scope become the call's
// permission flags, and the stream-json output gives the answer, the cost and the refusals.
#include "runtime/backends/backend_claude.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "runtime/backends/claude_stream.h"
#include "runtime/store/events.h"
#include "runtime/store/run_store.h"
#include "runtime/processes/subprocess.h"

namespace flow::rt {

const char* const kClaudeMinVersion = "2.1.330";

namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool is_mcp_tool(const std::string& t) { return t.rfind("mcp__", 0) == 0; }

}  // namespace

McpConfig mcp_config(const std::string& mcp_servers) {
  McpConfig out;
  if (mcp_servers.empty()) return out;
  nlohmann::json given = nlohmann::json::parse(mcp_servers, nullptr, false);
  nlohmann::json servers = nlohmann::json::object();
  bool names = false;
  auto take = [&](const nlohmann::json& object) {
    for (const auto& [name, definition] : object.items()) servers[name] = definition;
  };
  if (given.is_object()) take(given);
  if (given.is_array())
    for (const nlohmann::json& entry : given) {
      if (entry.is_object()) take(entry);
      else names = true;
    }
  if (!servers.empty())
    out.servers = nlohmann::json{{"mcpServers", servers}}.dump(-1, ' ', false,
                                                               nlohmann::json::error_handler_t::replace);
  // Only the agent's own servers, unless it names servers the user configured elsewhere.
  out.strict = !servers.empty() && !names;
  return out;
}

namespace {

// "2.1.9" < "2.1.10": compare numerically, part by part.
bool older(const std::vector<int>& a, const std::vector<int>& b) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    int x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y;
  }
  return false;
}

// "Write outside/y.txt, Bash rm -rf x": paths under the current directory shown relative.
std::string denial_list(const std::vector<ClaudeDenial>& denials) {
  char buf[4096];
  std::string cwd = getcwd(buf, sizeof buf) ? std::string(buf) + "/" : "";
  std::string out;
  for (const ClaudeDenial& d : denials) {
    std::string target = d.target;
    if (!cwd.empty() && target.rfind(cwd, 0) == 0) target = target.substr(cwd.size());
    out += (out.empty() ? "" : ", ") + d.tool + (target.empty() ? "" : " " + target);
  }
  return out;
}

class ClaudeBackend : public Backend {
 public:
  explicit ClaudeBackend(CommandBackendSpec spec) : spec_(std::move(spec)) {
    if (spec_.argv.empty()) spec_.argv = {"claude"};
  }
  std::string name() const override { return spec_.name; }
  RetryPolicy retry_policy() const override { return spec_.retry; }
  bool confinable() const override { return true; }
  bool check_ready(std::string* error) override;
  AgentResult call(const AgentRequest& req, Cancel* cancel) override;

 private:
  CommandBackendSpec spec_;
};

bool ClaudeBackend::check_ready(std::string* error) {
  SubprocessSpec sp;
  sp.argv = {spec_.argv[0], "--version"};
  sp.timeout_ms = 30000;
  SubprocessResult r = run_subprocess(sp, nullptr);
  std::string how = "backend `" + spec_.name + "` runs `" + spec_.argv[0] + "`";
  if (!r.ok()) {
    *error = how + ", and `" + spec_.argv[0] + " --version` failed (" + describe_exit(r, sp.timeout_ms) +
             "); install Claude Code (npm install -g @anthropic-ai/claude-code) or name the " +
             "program with `program:` under `backends." + spec_.name + "`";
    return false;
  }
  std::vector<int> have = parse_claude_version(r.out), want = parse_claude_version(kClaudeMinVersion);
  if (have.empty() || older(have, want)) {
    std::string got = r.out.substr(0, r.out.find('\n'));
    *error = how + ", whose version is " + (got.empty() ? "unknown" : "`" + got + "`") +
             "; flow needs Claude Code " + kClaudeMinVersion + " or newer (`claude update`)";
    return false;
  }
  return true;
}

AgentResult ClaudeBackend::call(const AgentRequest& req, Cancel* cancel) {
  AgentResult out;
  std::string system_file = system_prompt_path(req.prompt_file);
  if (!write_file(system_file, req.system_prompt, &out.error)) return out;
  SubprocessSpec sp;
  sp.argv = spec_.argv;
  if (!claude_arguments(req, system_file, &sp.argv, &out.error)) return out;
  sp.env = {{"FLOW_NAME", req.flow},   {"FLOW_RUN_ID", req.run_id}, {"FLOW_RUN_DIR", req.run_dir},
            {"FLOW_STEP", req.step},   {"FLOW_AGENT", req.agent},   {"FLOW_MODEL", req.model},
            {"FLOW_ROLE", req.role},   {"FLOW_ATTEMPT", std::to_string(req.attempt)},
            {"FLOW_REVIEW", req.review ? "1" : "0"}, {"FLOW_PROMPT_FILE", req.prompt_file}};
  if (!req.tmpdir.empty()) sp.env.emplace_back("TMPDIR", req.tmpdir);
  sp.landlock_ruleset = req.landlock_ruleset;
  sp.stdin_text = req.user_message;
  sp.timeout_ms = spec_.timeout_ms;
  if (!req.run_dir.empty()) sp.record_dir = req.run_dir + "/procs";
  SubprocessResult r = run_subprocess(sp, cancel);
  ClaudeResult cr = parse_claude_stream(r.out);
  out.usage = cr.usage;
  out.output = cr.text;
  out.tool_errors = cr.tool_errors + r.err;
  for (const ClaudeDenial& d : cr.denials)  // refused by Claude Code's own permission rules
    out.events.push_back(backend_event_text(ev::WriteRefused{.by = "claude", .path = d.target, .tool = d.tool}));
  std::string what = spec_.argv[0];
  if (!r.ok()) {
    // The CLI ran and failed (an API outage it gave up on, a crash): another call may succeed.
    out.retryable = r.started && r.error.empty() && !r.timed_out && !r.cancelled;
    out.error = what + ": " + describe_exit(r, spec_.timeout_ms);
    std::string tail = tail_of(r.err);
    if (!tail.empty()) out.error += "\n" + tail;
    else if (!cr.text.empty()) out.error += "\n" + cr.text;
    return out;
  }
  if (!cr.found) {
    out.error = what + " printed no result event (is it Claude Code " + kClaudeMinVersion +
                " or newer?)";
    std::string tail = tail_of(r.err.empty() ? r.out : r.err);
    if (!tail.empty()) out.error += "\n" + tail;
    return out;
  }
  if (cr.is_error || cr.subtype != "success") {
    out.error = what + " reported an error (" + (cr.subtype.empty() ? "is_error" : cr.subtype) + ")" +
                (cr.text.empty() ? "" : ": " + cr.text.substr(0, 2000)) +
                (cr.last_error.empty() ? "" : "\n" + cr.last_error);
    return out;
  }
  if (!cr.denials.empty()) {
    out.error = "refused outside the tools or write scope of `" + req.agent + "`" +
                (req.writes.empty() ? "" : " (writes " + join(req.writes, ", ") + ")") + ": " +
                denial_list(cr.denials);
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace

bool claude_writing_tool(const std::string& t) {
  return t == "Write" || t == "Edit" || t == "MultiEdit" || t == "NotebookEdit";
}

ClaudePermissions claude_permissions(const AgentRequest& req) {
  ClaudePermissions p;
  const bool scoped = !req.writes.empty();
  bool writes_files = !req.tools.has_value();  // the default set holds the writing tools
  if (req.tools) {
    std::vector<std::string> builtin;
    for (const std::string& t : *req.tools) {
      if (!is_mcp_tool(t)) builtin.push_back(t);
      if (claude_writing_tool(t)) writes_files = true;
      if (!(scoped && claude_writing_tool(t))) p.allowed.push_back(t);
    }
    p.tools = join(builtin, ",");
  }
  // Edit(GLOB) covers every file-writing tool; paths are relative to the current directory.
  if (scoped && writes_files)
    for (const std::string& g : req.writes) p.allowed.push_back("Edit(" + g + ")");
  p.disallowed = req.disallowed_tools;
  return p;
}

bool claude_arguments(const AgentRequest& req, const std::string& system_prompt_file,
                      std::vector<std::string>* args, std::string* error) {
  const std::string& mode = req.permission_mode;
  if (!req.writes.empty() && (mode == "acceptEdits" || mode == "bypassPermissions")) {
    *error = "agent `" + req.agent + "` has permissionMode " + mode +
             ", which lets it write anywhere, and a write scope (writes " + join(req.writes, ", ") +
             "); remove one of them";
    return false;
  }
  auto add = [&](std::initializer_list<std::string> a) { args->insert(args->end(), a); };
  add({"-p", "--output-format", "stream-json", "--verbose"});
  if (!req.model.empty() && req.model != "inherit") add({"--model", req.model});
  add({"--system-prompt-file", system_prompt_file});
  ClaudePermissions p = claude_permissions(req);
  if (p.tools) add({"--tools", *p.tools});
  // One argument per rule: a rule such as "Bash(git log)" holds a space.
  if (!p.allowed.empty()) {
    args->push_back("--allowedTools");
    args->insert(args->end(), p.allowed.begin(), p.allowed.end());
  }
  if (!p.disallowed.empty()) {
    args->push_back("--disallowedTools");
    args->insert(args->end(), p.disallowed.begin(), p.disallowed.end());
  }
  if (!mode.empty()) add({"--permission-mode", mode});
  add({"--permission-prompts", "none"});
  if (req.max_turns > 0) add({"--max-turns", std::to_string(req.max_turns)});
  McpConfig mcp = mcp_config(req.mcp_servers);
  if (!mcp.servers.empty()) add({"--mcp-config", mcp.servers});
  if (mcp.strict) add({"--strict-mcp-config"});
  return true;
}

std::vector<int> parse_claude_version(const std::string& text) {
  std::vector<int> parts;
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    int n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > 100000000) return {};
      n = n * 10 + (text[i++] - '0');
    }
    parts.push_back(n);
    if (i < text.size() && text[i] == '.') ++i;
    else break;
  }
  return parts.size() >= 2 ? parts : std::vector<int>{};
}

std::unique_ptr<Backend> make_claude_backend(const CommandBackendSpec& spec) {
  return std::make_unique<ClaudeBackend>(spec);
}

}  // namespace flow::rt

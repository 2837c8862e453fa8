// The `command` backend: one program per agent call, the prompt on stdin, the answer on
// stdout. Fits `claude -p`, `codex exec -`, `llm`, `ollama run MODEL`.
#include <string>

#include "runtime/backend.h"
#include "runtime/subprocess.h"

namespace flow::rt {
namespace {

std::string substitute(std::string arg, const AgentRequest& req) {
  auto replace = [&](const std::string& key, const std::string& value) {
    for (size_t pos = arg.find(key); pos != std::string::npos;
         pos = arg.find(key, pos + value.size()))
      arg.replace(pos, key.size(), value);
  };
  replace("{model}", req.model);
  replace("{agent}", req.agent);
  replace("{step}", req.step);
  return arg;
}

class CommandBackend : public Backend {
 public:
  explicit CommandBackend(CommandBackendSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return spec_.name; }
  RetryPolicy retry_policy() const override { return spec_.retry; }

  AgentResult call(const AgentRequest& req, Cancel* cancel) override {
    SubprocessSpec sp;
    if (!spec_.shell.empty()) {
      sp.argv = {"/bin/sh", "-c", spec_.shell};
    } else {
      for (const std::string& a : spec_.argv) sp.argv.push_back(substitute(a, req));
    }
    sp.env = {{"FLOW_NAME", req.flow},
              {"FLOW_RUN_ID", req.run_id},
              {"FLOW_RUN_DIR", req.run_dir},
              {"FLOW_STEP", req.step},
              {"FLOW_AGENT", req.agent},
              {"FLOW_MODEL", req.model},
              {"FLOW_ROLE", req.role},
              {"FLOW_ATTEMPT", std::to_string(req.attempt)},
              {"FLOW_INDEX", req.index < 0 ? "" : std::to_string(req.index)},
              {"FLOW_REVIEW", req.review ? "1" : "0"},
              {"FLOW_PROMPT_FILE", req.prompt_file}};
    sp.stdin_text = req.prompt;
    sp.timeout_ms = spec_.timeout_ms;
    if (!req.run_dir.empty()) sp.record_dir = req.run_dir + "/procs";
    SubprocessResult r = run_subprocess(sp, cancel);
    AgentResult out;
    out.output = std::move(r.out);
    out.ok = r.ok();
    out.retryable = r.started && r.error.empty() && !r.timed_out && !r.cancelled;
    if (!out.ok) {
      std::string what = spec_.shell.empty() ? sp.argv[0] : "/bin/sh -c " + spec_.shell;
      out.error = what + ": " + describe_exit(r, spec_.timeout_ms);
      std::string tail = tail_of(r.err);
      if (!tail.empty()) out.error += "\n" + tail;
    }
    return out;
  }

 private:
  CommandBackendSpec spec_;
};

}  // namespace

std::unique_ptr<Backend> make_command_backend(const CommandBackendSpec& spec) {
  return std::make_unique<CommandBackend>(spec);
}

bool builtin_command_backend(const std::string& name, CommandBackendSpec* spec) {
  spec->name = name;
  if (name == "claude") spec->argv = {"claude", "-p"};
  else if (name == "codex") spec->argv = {"codex", "exec", "-"};
  else if (name == "llm") spec->argv = {"llm"};
  else if (name == "ollama") spec->argv = {"ollama", "run", "{model}"};
  else return false;
  return true;
}

}  // namespace flow::rt

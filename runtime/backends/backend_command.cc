// The `command` backend: one program per agent call, the prompt on stdin, the answer on
// stdout. Fits `claude -p`, `codex exec -`, `llm`, `ollama run MODEL`.
#include <string>

#include "runtime/backends/backend.h"
#include "runtime/store/run_store.h"
#include "runtime/processes/subprocess.h"

namespace flow::rt {
namespace {

// Fills in the placeholders of one argument. The agent's own prompt is written to its file
// only when the command names {system_prompt_file}; false (with *error) if that write fails.
bool substitute(std::string* out, std::string arg, const AgentRequest& req, std::string* error) {
  auto replace = [&](const std::string& key, const std::string& value) {
    for (size_t pos = arg.find(key); pos != std::string::npos;
         pos = arg.find(key, pos + value.size()))
      arg.replace(pos, key.size(), value);
  };
  replace("{model}", req.model);
  replace("{agent}", req.agent);
  replace("{step}", req.step);
  replace("{run_id}", req.run_id);
  replace("{run_dir}", req.run_dir);
  replace("{prompt_file}", req.prompt_file);
  if (arg.find("{system_prompt_file}") != std::string::npos) {
    std::string f = system_prompt_path(req.prompt_file);
    if (!write_file(f, req.system_prompt, error)) return false;
    replace("{system_prompt_file}", f);
  }
  *out = std::move(arg);
  return true;
}

}  // namespace

std::string system_prompt_path(const std::string& prompt_file) {
  std::string f = prompt_file;
  const std::string suffix = ".prompt.md";
  if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
    f.resize(f.size() - suffix.size());
  return f + ".system.md";
}

const char* const kCommandPlaceholders[] = {"model",  "agent",       "step",
                                            "run_id", "run_dir",     "prompt_file",
                                            "system_prompt_file", nullptr};

std::string unknown_placeholder(const std::string& arg) {
  for (size_t open = arg.find('{'); open != std::string::npos; open = arg.find('{', open + 1)) {
    size_t close = arg.find('}', open);
    if (close == std::string::npos) return "";
    std::string name = arg.substr(open + 1, close - open - 1);
    bool word = !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    if (!word) continue;  // "{}" or JSON text is not a placeholder
    bool known = false;
    for (const char* const* k = kCommandPlaceholders; *k; ++k) known = known || name == *k;
    if (!known) return "{" + name + "}";
  }
  return "";
}

namespace {

class CommandBackend : public Backend {
 public:
  explicit CommandBackend(CommandBackendSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return spec_.name; }
  RetryPolicy retry_policy() const override { return spec_.retry; }
  bool confinable() const override { return true; }

  AgentResult call(const AgentRequest& req, Cancel* cancel) override {
    SubprocessSpec sp;
    if (!spec_.shell.empty()) {
      sp.argv = {"/bin/sh", "-c", spec_.shell};
    } else {
      for (const std::string& a : spec_.argv) {
        AgentResult failed;
        if (!substitute(&sp.argv.emplace_back(), a, req, &failed.error)) return failed;
      }
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
    if (!req.tmpdir.empty()) sp.env.emplace_back("TMPDIR", req.tmpdir);
    sp.landlock_ruleset = req.landlock_ruleset;
    sp.stdin_text = req.prompt;
    sp.timeout_ms = spec_.timeout_ms;
    if (!req.run_dir.empty()) sp.record_dir = req.run_dir + "/procs";
    SubprocessResult r = run_subprocess(sp, cancel);
    AgentResult out;
    out.output = std::move(r.out);
    out.tool_errors = r.err;
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
  spec->kind = "command";
  if (name == "claude") {
    spec->kind = "claude";
    spec->argv = {"claude"};
  }
  else if (name == "codex") spec->argv = {"codex", "exec", "-"};
  else if (name == "llm") spec->argv = {"llm"};
  else if (name == "ollama") spec->argv = {"ollama", "run", "{model}"};
  else return false;
  return true;
}

}  // namespace flow::rt

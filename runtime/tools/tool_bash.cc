// Bash: one shell command in the working directory, in its own process group (subprocess.h), so
// a timeout, a cancel or the death of flow kills everything it started.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/processes/subprocess.h"
#include "runtime/tools/tool_impl.h"

namespace flow::rt {
namespace {

// How it ended, for the model; empty for a clean exit.
std::string ending(const SubprocessResult& r, int timeout_ms) {
  if (!r.started || !r.error.empty()) return "the command could not run: " + r.error;
  if (r.timed_out)
    return fmt::format("timed out after {} ms; the command and everything it started were killed",
                       timeout_ms);
  if (r.cancelled) return "interrupted: the run is stopping; the command was killed";
  if (r.term_signal) return "killed by signal " + std::to_string(r.term_signal);
  if (r.exit_code != 0) return "exit status " + std::to_string(r.exit_code);
  return "";
}

}  // namespace

ToolOutcome tool_bash(const ToolEnv& env, const BashInput& in) {
  if (in.command.empty()) return tool_error("Bash: the command is empty");
  if (in.command.find('\0') != std::string::npos) return tool_error("Bash: the command holds a NUL byte");
  // posix_spawn would blame /bin/sh for a missing directory.
  if (::access(env.work_dir.c_str(), X_OK) != 0)
    return tool_error("Bash: the working directory is not accessible: " + std::string(std::strerror(errno)));
  SubprocessSpec spec;
  spec.argv = {"/bin/sh", "-c", in.command};
  spec.cwd = env.work_dir;
  spec.merge_stderr = true;
  spec.timeout_ms = env.bash_timeout_ms;
  if (in.timeout_ms && *in.timeout_ms < spec.timeout_ms) spec.timeout_ms = static_cast<int>(*in.timeout_ms);
  spec.kill_grace_ms = 1000;
  spec.drain_ms = 300;
  spec.kill_leftovers = true;
  spec.max_output = kBashOutputCap + 4;  // a few bytes more: a cut character is seen as cut
  // The model's commands do not get flow's credentials for the model APIs.
  for (const char* key : {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"})
    spec.env.emplace_back(key, "");
  SubprocessResult r = run_subprocess(spec, env.cancel);
  bool cut = false;
  std::string out = utf8_capped(r.out, kBashOutputCap, &cut);
  size_t hidden = r.out.size() - std::min(r.out.size(), out.size()) + r.dropped;
  if (cut || r.dropped) out += fmt::format("\n[output cut at {} bytes; {} more bytes not shown]", kBashOutputCap, hidden);
  std::string end = ending(r, spec.timeout_ms);
  if (out.empty() && end.empty()) out = "(no output)";
  if (!end.empty()) out += (out.empty() || out.back() == '\n' ? "" : "\n") + end;
  return {out, !end.empty(), ""};
}

}  // namespace flow::rt

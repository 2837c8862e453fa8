#include "runtime/config.h"

#include <catch2/catch.hpp>

using namespace flow::rt;

TEST_CASE("a full configuration parses") {
  ConfigResult r = parse_config(R"(
default_backend: claude
backends:
  claude:
    command: [claude, -p, --model, "{model}"]
    timeout: 900
  local:
    shell: "ollama run llama3 2>/dev/null"
  llm: {}
agents:
  code-review: { backend: local, pool: reviewers }
models:
  haiku: { backend: llm }
pools:
  reviewers: 1
  opus: 2
sim:
  seed: 7
  latency: 10-20
  fail_review: [plan:2, build]
  fail_step: deploy
)", "flow.yaml");
  REQUIRE(r.ok);
  const Config& c = r.config;
  CHECK(c.default_backend == "claude");
  CHECK(c.backends.at("claude").argv == std::vector<std::string>{"claude", "-p", "--model", "{model}"});
  CHECK(c.backends.at("claude").timeout_ms == 900000);
  CHECK(c.backends.at("local").shell == "ollama run llama3 2>/dev/null");
  CHECK(c.backends.at("llm").argv == std::vector<std::string>{"llm"});  // the built-in
  CHECK(c.sim.seed == 7);
  CHECK((c.sim.latency_min_ms == 10 && c.sim.latency_max_ms == 20));
  REQUIRE(c.sim.fail_review.size() == 2);
  CHECK((c.sim.fail_review[0].step == "plan" && c.sim.fail_review[0].times == 2));
  CHECK(c.sim.fail_step == std::vector<std::string>{"deploy"});

  CHECK(backend_for(c, "", "code-review", "opus") == "local");
  CHECK(backend_for(c, "", "writer", "haiku") == "llm");
  CHECK(backend_for(c, "", "writer", "opus") == "claude");
  CHECK(backend_for(c, "sim", "code-review", "opus") == "sim");
  CHECK(pool_for(c, "code-review", "opus") == "reviewers");
  CHECK(pool_for(c, "writer", "opus") == "opus");  // a pool named after the model
  CHECK(pool_for(c, "writer", "haiku") == "");
}

TEST_CASE("no configuration means sim") {
  Config c;
  CHECK(backend_for(c, "", "anyone", "opus") == "sim");
}

TEST_CASE("configuration errors name the file, line, column and key") {
  CHECK(parse_config("backend: x\n", "f.yaml").error ==
        "f.yaml:1:1: unknown key `backend` in the configuration (expected one of: "
        "default_backend, backends, agents, models, pools, sim)");
  CHECK(parse_config("backends:\n  mine: {}\n", "f.yaml").error ==
        "f.yaml:2:3: backend `mine` needs `command: [program, args...]` or `shell: \"...\"` "
        "(built-in names: claude, codex, llm, ollama)");
  CHECK(parse_config("pools:\n  opus: zero\n", "f.yaml").error ==
        "f.yaml:2:9: `pools.opus` must be a whole number of at least 1");
  CHECK(parse_config("agents:\n  a: { backend: nope }\n", "f.yaml").error ==
        "f.yaml: agent `a` uses backend `nope`, which is not defined under `backends:`");
  CHECK(parse_config("sim:\n  latency: fast\n", "f.yaml").error ==
        "f.yaml:2:12: `latency` must be milliseconds (`100`) or a range (`50-200`)");
  CHECK(parse_config("agents:\n  a: { pool: slow }\n", "f.yaml").error ==
        "f.yaml: agent `a` uses pool `slow`, which is not defined under `pools:`");
  CHECK(parse_config("a: [\n", "f.yaml").ok == false);
}

TEST_CASE("an unknown placeholder in a command is an error at its place") {
  ConfigResult r = parse_config("backends:\n  mine:\n    command: [tool, --model, \"{modle}\"]\n",
                                "flow.yaml");
  REQUIRE_FALSE(r.ok);
  CHECK(r.error.rfind("flow.yaml:3:30: unknown placeholder `{modle}` in `command` (known: {model}, ", 0) == 0);
  r = parse_config("backends:\n  mine:\n    command: \"tool --in {prompt_file} --sys {system_prompt_file} {run_dir}\"\n",
                   "flow.yaml");
  CHECK(r.ok);
}

TEST_CASE("claude is the built-in Claude Code backend; models can be renamed") {
  ConfigResult r = parse_config(
      "backends:\n  claude: { program: /opt/claude, timeout: 5 }\n  cmd: { command: [claude, -p] }\n"
      "  other: { type: claude }\nmodels:\n  opus: { model: claude-opus-4-1 }\n", "flow.yaml");
  REQUIRE(r.ok);
  CHECK(r.config.backends["claude"].kind == "claude");
  CHECK(r.config.backends["claude"].argv == std::vector<std::string>{"/opt/claude"});
  CHECK(r.config.backends["cmd"].kind == "command");
  CHECK(r.config.backends["other"].kind == "claude");
  CHECK(r.config.models["opus"].model == "claude-opus-4-1");
  r = parse_config("backends:\n  x: { command: [a], program: b }\n", "flow.yaml");
  CHECK_FALSE(r.ok);
  r = parse_config("agents:\n  a: { model: x }\n", "flow.yaml");
  CHECK_FALSE(r.ok);  // renaming models is for models:, not agents:
}

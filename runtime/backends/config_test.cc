#include "runtime/backends/config.h"

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

TEST_CASE("approvals: mode and notify") {
  ConfigResult r =
      parse_config("approvals:\n  mode: wait\n  notify: 'echo \"$FLOW_STEP\"'\n", "f.yaml");
  REQUIRE(r.ok);
  CHECK(r.config.approvals_mode == "wait");
  CHECK(r.config.approvals_notify == "echo \"$FLOW_STEP\"");
}

TEST_CASE("configuration errors name the file, line, column and key") {
  CHECK(parse_config("backend: x\n", "f.yaml").error ==
        "f.yaml:1:1: unknown key `backend` in the configuration (expected one of: "
        "default_backend, backends, agents, models, pools, sim, prices, approvals)");
  CHECK(parse_config("approvals:\n  mode: later\n", "f.yaml").error ==
        "f.yaml:2:9: `approvals.mode` must be `wait` or `stop`");
  CHECK(parse_config("approvals:\n  notfy: x\n", "f.yaml").error ==
        "f.yaml:2:3: unknown key `notfy` in approvals (expected one of: mode, notify)");
  CHECK(parse_config("backends:\n  mine: {}\n", "f.yaml").error ==
        "f.yaml:2:3: backend `mine` needs `command: [program, args...]` or `shell: \"...\"` "
        "(built-in names: claude, codex, llm, ollama)");
  CHECK(parse_config("pools:\n  opus: zero\n", "f.yaml").error ==
        "f.yaml:2:9: `pools.opus` must be a whole number of at least 1");
  CHECK(parse_config("agents:\n  a: { backend: nope }\n", "f.yaml").error ==
        "f.yaml:2:17: agent `a` uses backend `nope`, which is not defined under `backends:` "
        "(use `sim`, a built-in: claude, codex, llm, ollama, or define it)");
  CHECK(parse_config("sim:\n  latency: fast\n", "f.yaml").error ==
        "f.yaml:2:12: `latency` must be milliseconds (`100`) or a range (`50-200`)");
  CHECK(parse_config("agents:\n  a: { pool: slow }\n", "f.yaml").error ==
        "f.yaml:2:14: agent `a` uses pool `slow`, which is not defined under `pools:`");
  CHECK(parse_config("a: [\n", "f.yaml").ok == false);
}

TEST_CASE("references to backends and pools point at the name that is wrong") {
  CHECK(parse_config("default_backend: claud\n", "f.yaml").error ==
        "f.yaml:1:18: `default_backend` is `claud`, which is not defined under `backends:` "
        "(use `sim`, a built-in: claude, codex, llm, ollama, or define it)");
  CHECK(parse_config("backends:\n  mine: { shell: x }\ndefault_backend: mine\n", "f.yaml").ok);
  CHECK(parse_config("default_backend: sim\n", "f.yaml").ok);
  CHECK(parse_config("default_backend: codex\n", "f.yaml").ok);
  CHECK(parse_config("pools:\n  fast: 2\nmodels:\n  opus:\n    pool: slow\n", "f.yaml").error ==
        "f.yaml:5:11: model `opus` uses pool `slow`, which is not defined under `pools:`");
  CHECK(parse_config("models:\n  haiku: { backend: lm }\n", "f.yaml").error ==
        "f.yaml:2:21: model `haiku` uses backend `lm`, which is not defined under `backends:` "
        "(use `sim`, a built-in: claude, codex, llm, ollama, or define it)");
  // Pools may be defined after the routes that use them.
  CHECK(parse_config("agents:\n  a: { pool: slow }\npools:\n  slow: 1\n", "f.yaml").ok);
}

TEST_CASE("a backend with both command and shell is refused") {
  CHECK(parse_config("backends:\n  mine:\n    command: [a]\n    shell: b\n", "f.yaml").error ==
        "f.yaml:2:3: backend `mine` has both `command:` and `shell:`; keep one (`command` runs "
        "a program with arguments, `shell` a line with /bin/sh -c)");
  CHECK(parse_config("backends:\n  claude: { shell: \"claude -p\" }\n", "f.yaml").ok);
}

TEST_CASE("backend retries: defaults, settings and errors") {
  ConfigResult r = parse_config(R"(
backends:
  claude: { command: [claude, -p] }
  fast: { command: [x], retries: 0 }
  slow: { command: [x], retries: 5, retry_delay: 0.25 }
)", "flow.yaml");
  REQUIRE(r.ok);
  CHECK(r.config.backends.at("claude").retry.retries == 2);  // real agents fail now and then
  CHECK(r.config.backends.at("claude").retry.delay_ms == 5000);
  CHECK(r.config.backends.at("fast").retry.retries == 0);
  CHECK(r.config.backends.at("slow").retry.retries == 5);
  CHECK(r.config.backends.at("slow").retry.delay_ms == 250);
  CHECK(parse_config("backends:\n  b: { command: [x], retries: -1 }\n", "f.yaml").error ==
        "f.yaml:2:31: `retries` must be a whole number of at least 0");
  CHECK(parse_config("backends:\n  b: { command: [x], retry_delay: soon }\n", "f.yaml").error ==
        "f.yaml:2:35: `retry_delay` must be seconds, e.g. 5 or 0.5");
  CHECK(parse_config("backends:\n  b: { command: [x], retry_delay: 1. }\n", "f.yaml").ok == false);
}

TEST_CASE("a command backend's timeout is seconds, and one too large is an error, not an overflow") {
  ConfigResult r = parse_config(
      "backends:\n  b: { command: [x], timeout: 1.5 }\n  c: { command: [x], timeout: 999999 }\n",
      "f.yaml");
  REQUIRE(r.ok);
  CHECK(r.config.backends.at("b").timeout_ms == 1500);
  CHECK(r.config.backends.at("c").timeout_ms == 999999000);
  CHECK(parse_config("backends:\n  b: { command: [x], timeout: 3333300 }\n", "f.yaml").error ==
        "f.yaml:2:31: `timeout` must be seconds, e.g. 5 or 0.5");
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

TEST_CASE("claude is the built-in Claude Code backend, models can be renamed") {
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

TEST_CASE("sim can report a cost and tokens per call, for budgets") {
  ConfigResult c = parse_config("sim:\n  cost_per_call: 0.25\n  tokens_per_call: 1200\n", "f.yaml");
  REQUIRE(c.ok);
  CHECK(c.config.sim.cost_per_call == 0.25);
  CHECK(c.config.sim.tokens_per_call == 1200);
  CHECK(parse_config("sim:\n  cost_per_call: cheap\n", "f.yaml").error ==
        "f.yaml:2:18: `cost_per_call` must be US dollars such as `0.01`");
}

#include "runtime/backends/config.h"

#include <cstdlib>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "runtime/engine/budget.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

struct ConfigError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const YAML::Node& at, const std::string& what) {
  YAML::Mark m = at.Mark();
  std::string where = path;
  if (m.line >= 0) where += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  throw ConfigError{where + ": " + what};
}

std::string scalar(const std::string& path, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(path, n, "`" + key + "` must be a single value");
  return n.as<std::string>();
}

int integer(const std::string& path, const YAML::Node& n, const std::string& key, int lo) {
  std::string s = scalar(path, n, key);
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(s) < lo)
    fail(path, n, "`" + key + "` must be a whole number of at least " + std::to_string(lo));
  return std::stoi(s);
}

// Seconds, whole or with up to three decimals ("5", "0.5"), as milliseconds. At most six
// digits before the point, so the milliseconds always fit an int.
int duration_ms(const std::string& path, const YAML::Node& n, const std::string& key) {
  std::string s = scalar(path, n, key);
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 6 || frac.size() > 3 ||
      (dot != std::string::npos && frac.empty()) ||
      (whole + frac).find_first_not_of("0123456789") != std::string::npos)
    fail(path, n, "`" + key + "` must be seconds, e.g. 5 or 0.5");
  while (frac.size() < 3) frac += '0';
  return std::stoi(whole) * 1000 + std::stoi(frac);
}

std::vector<std::string> strings(const std::string& path, const YAML::Node& n,
                                 const std::string& key) {
  std::vector<std::string> out;
  if (n.IsScalar()) {  // "claude -p": split on spaces, no shell involved
    std::istringstream words(n.as<std::string>());
    for (std::string w; words >> w;) out.push_back(w);
    return out;
  }
  if (!n.IsSequence()) fail(path, n, "`" + key + "` must be a list of strings");
  for (const YAML::Node& e : n) out.push_back(scalar(path, e, key));
  return out;
}

void check_keys(const std::string& path, const YAML::Node& map, const std::string& what,
                std::initializer_list<const char*> allowed) {
  if (!map.IsMap()) fail(path, map, "`" + what + "` must be a mapping");
  for (const auto& kv : map) {
    std::string k = kv.first.as<std::string>();
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(path, kv.first, "unknown key `" + k + "` in " + what + " (expected one of: " + list + ")");
    }
  }
}

std::map<std::string, Route> read_routes(const std::string& path, const YAML::Node& n,
                                         const std::string& what) {
  std::map<std::string, Route> out;
  if (!n.IsMap()) fail(path, n, "`" + what + "` must be a mapping of names to settings");
  for (const auto& kv : n) {
    std::string name = kv.first.as<std::string>();
    Route r;
    if (what == "models") check_keys(path, kv.second, what + "." + name, {"backend", "pool", "model"});
    else check_keys(path, kv.second, what + "." + name, {"backend", "pool"});
    if (kv.second["backend"]) r.backend = scalar(path, kv.second["backend"], "backend");
    if (kv.second["model"]) r.model = scalar(path, kv.second["model"], "model");
    if (kv.second["pool"]) r.pool = scalar(path, kv.second["pool"], "pool");
    out[name] = r;
  }
  return out;
}

bool backend_defined(const Config& c, const std::string& name) {
  CommandBackendSpec builtin;
  return name == "sim" || c.backends.count(name) || c.api_backends.count(name) ||
         builtin_command_backend(name, &builtin);
}

// Names that must refer to something defined elsewhere in the file: the routes' pools and
// backends, and default_backend. Checked once everything is read; errors point at the name.
void check_references(const std::string& path, const YAML::Node& root, const Config& c) {
  const std::string hint = ", which is not defined under `backends:` (use `sim`, a built-in: "
                           "claude, codex, llm, ollama, or define it)";
  if (const YAML::Node d = root["default_backend"]; d && !backend_defined(c, c.default_backend))
    fail(path, d, "`default_backend` is `" + c.default_backend + "`" + hint);
  for (const char* section : {"agents", "models"}) {
    const YAML::Node routes = root[section];
    if (!routes) continue;
    std::string what = section == std::string("agents") ? "agent `" : "model `";
    for (const auto& kv : routes) {
      std::string name = kv.first.as<std::string>();
      if (const YAML::Node pool = kv.second["pool"]) {
        bool known = false;
        for (const auto& [p, depth] : c.pools) known = known || p == pool.as<std::string>();
        if (!known)
          fail(path, pool, what + name + "` uses pool `" + pool.as<std::string>() +
                               "`, which is not defined under `pools:`");
      }
      if (const YAML::Node b = kv.second["backend"]; b && !backend_defined(c, b.as<std::string>()))
        fail(path, b, what + name + "` uses backend `" + b.as<std::string>() + "`" + hint);
    }
  }
}

// `{name}` in a command argument must be a placeholder the command backend fills in.
void check_placeholders(const std::string& path, const YAML::Node& command) {
  auto check = [&](const YAML::Node& n) {
    std::string bad = n.IsScalar() ? unknown_placeholder(n.as<std::string>()) : "";
    if (bad.empty()) return;
    std::string known;
    for (const char* const* k = kCommandPlaceholders; *k; ++k)
      known += (known.empty() ? "{" : ", {") + std::string(*k) + "}";
    fail(path, n, "unknown placeholder `" + bad + "` in `command` (known: " + known + ")");
  };
  if (command.IsSequence())
    for (const YAML::Node& e : command) check(e);
  else
    check(command);
}

// `type: claude` (the built-in Claude Code backend, implied for the name `claude`) and
// `program:`, the Claude Code executable it runs.
void read_claude_keys(const std::string& path, const YAML::Node& n, CommandBackendSpec* spec) {
  if (n.IsNull()) return;
  if (n["type"]) {
    std::string type = scalar(path, n["type"], "type");
    if (type != "claude" && type != "command")
      fail(path, n["type"], "`type` must be `claude`, `command`, `anthropic` or `openai`");
    spec->kind = type;
    if (type == "claude") spec->argv = {"claude"};
  }
  if (n["program"]) {
    if (spec->kind != "claude")
      fail(path, n["program"], "`program` is for `type: claude` backends; use `command` here");
    if (n["command"] || n["shell"])
      fail(path, n["program"], "give either `program` (Claude Code) or `command`/`shell`");
    spec->argv = {scalar(path, n["program"], "program")};
  }
}

bool api_type(const YAML::Node& n) {
  if (!n.IsMap() || !n["type"] || !n["type"].IsScalar()) return false;
  std::string t = n["type"].as<std::string>();
  return t == "anthropic" || t == "openai";
}

// A backend of `type: anthropic` or `type: openai` (backend_api.h).
ApiBackendSpec read_api_backend(const std::string& path, const std::string& name, const YAML::Node& n) {
  check_keys(path, n, "backends." + name,
             {"type", "base_url", "api_key_env", "model", "timeout", "retries", "retry_delay",
              "max_tokens", "max_turns"});
  ApiBackendSpec s = default_api_spec(name, n["type"].as<std::string>());
  if (n["base_url"]) {
    s.base_url = scalar(path, n["base_url"], "base_url");
    if (s.base_url.rfind("http://", 0) != 0 && s.base_url.rfind("https://", 0) != 0)
      fail(path, n["base_url"], "`base_url` must start with http:// or https://");
  }
  if (n["api_key_env"]) {
    s.api_key_env = n["api_key_env"].IsNull() ? "" : scalar(path, n["api_key_env"], "api_key_env");
    if (s.api_key_env.empty() && s.kind == "anthropic")
      fail(path, n["api_key_env"], "an `anthropic` backend needs an API key: name the variable " +
                                       std::string("that holds it (default ANTHROPIC_API_KEY)"));
  }
  if (n["model"]) s.model = scalar(path, n["model"], "model");
  if (n["timeout"]) s.timeout_ms = duration_ms(path, n["timeout"], "timeout");
  if (n["timeout"] && s.timeout_ms == 0) fail(path, n["timeout"], "`timeout` must be more than 0 seconds");
  if (n["retries"]) s.retries = integer(path, n["retries"], "retries", 0);
  if (n["retry_delay"]) s.retry_delay_ms = duration_ms(path, n["retry_delay"], "retry_delay");
  if (n["max_tokens"]) s.max_tokens = integer(path, n["max_tokens"], "max_tokens", 1);
  if (n["max_turns"]) s.max_turns = integer(path, n["max_turns"], "max_turns", 1);
  return s;
}

double price_value(const std::string& path, const YAML::Node& n, const std::string& key) {
  std::string s = scalar(path, n, key);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || !(v >= 0) || v > 1e6)
    fail(path, n, "`" + key + "` must be US dollars per million tokens, e.g. 3 or 0.30");
  return v;
}

// `prices: { MODEL: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } }`.
PriceTable read_prices(const std::string& path, const YAML::Node& n) {
  if (!n.IsMap()) fail(path, n, "`prices` must map model names to prices per million tokens");
  PriceTable out;
  for (const auto& kv : n) {
    std::string model = kv.first.as<std::string>();
    std::string what = "prices." + model;
    check_keys(path, kv.second, what, {"input", "output", "cache_read", "cache_write"});
    if (!kv.second["input"] || !kv.second["output"])
      fail(path, kv.first, "`" + what + "` needs at least `input` and `output` (dollars per million tokens)");
    ModelPrice p;
    p.input = price_value(path, kv.second["input"], "input");
    p.output = price_value(path, kv.second["output"], "output");
    if (kv.second["cache_read"]) p.cache_read = price_value(path, kv.second["cache_read"], "cache_read");
    if (kv.second["cache_write"]) p.cache_write = price_value(path, kv.second["cache_write"], "cache_write");
    out[model] = p;
  }
  return out;
}

Config read(const std::string& path, const YAML::Node& root) {
  Config c;
  c.path = path;
  if (!root || root.IsNull()) return c;
  check_keys(path, root, "the configuration",
             {"default_backend", "backends", "agents", "models", "pools", "sim", "prices",
              "approvals"});
  if (root["prices"]) c.prices = read_prices(path, root["prices"]);
  if (root["default_backend"]) c.default_backend = scalar(path, root["default_backend"], "default_backend");
  if (const YAML::Node b = root["backends"]) {
    if (!b.IsMap()) fail(path, b, "`backends` must be a mapping of names to settings");
    for (const auto& kv : b) {
      std::string name = kv.first.as<std::string>();
      if (name == "sim") fail(path, kv.first, "`sim` is built in; configure it under `sim:`");
      if (api_type(kv.second)) {
        c.api_backends[name] = read_api_backend(path, name, kv.second);
        c.api_backends[name].prices = c.prices;
        continue;
      }
      CommandBackendSpec spec;
      if (!kv.second.IsNull())
        check_keys(path, kv.second, "backends." + name,
                   {"command", "shell", "timeout", "retries", "retry_delay", "type", "program"});
      bool builtin = builtin_command_backend(name, &spec);
      spec.name = name;
      if (kv.second["command"] && kv.second["shell"])
        fail(path, kv.first, "backend `" + name + "` has both `command:` and `shell:`; keep one " +
                                 "(`command` runs a program with arguments, `shell` a line with /bin/sh -c)");
      read_claude_keys(path, kv.second, &spec);
      if (kv.second["command"]) {
        spec.kind = "command";
        spec.argv = strings(path, kv.second["command"], "command");
        check_placeholders(path, kv.second["command"]);
      }
      if (kv.second["shell"]) {
        spec.kind = "command";
        spec.shell = scalar(path, kv.second["shell"], "shell");
        spec.argv.clear();
      }
      if (kv.second["timeout"]) spec.timeout_ms = duration_ms(path, kv.second["timeout"], "timeout");
      if (kv.second["retries"]) spec.retry.retries = integer(path, kv.second["retries"], "retries", 0);
      if (kv.second["retry_delay"])
        spec.retry.delay_ms = duration_ms(path, kv.second["retry_delay"], "retry_delay");
      if (spec.argv.empty() && spec.shell.empty())
        fail(path, kv.first, "backend `" + name + "` needs `command: [program, args...]` or `shell: \"...\"`" +
                                 (builtin ? "" : " (built-in names: claude, codex, llm, ollama)"));
      c.backends[name] = spec;
    }
  }
  if (const YAML::Node a = root["approvals"]) {
    check_keys(path, a, "approvals", {"mode", "notify"});
    if (a["mode"]) {
      c.approvals_mode = scalar(path, a["mode"], "mode");
      if (c.approvals_mode != "wait" && c.approvals_mode != "stop")
        fail(path, a["mode"], "`approvals.mode` must be `wait` or `stop`");
    }
    if (a["notify"]) c.approvals_notify = scalar(path, a["notify"], "notify");
  }
  if (root["agents"]) c.agents = read_routes(path, root["agents"], "agents");
  if (root["models"]) c.models = read_routes(path, root["models"], "models");
  if (const YAML::Node p = root["pools"]) {
    if (!p.IsMap()) fail(path, p, "`pools` must map pool names to sizes");
    for (const auto& kv : p)
      c.pools.emplace_back(kv.first.as<std::string>(), integer(path, kv.second, "pools." + kv.first.as<std::string>(), 1));
  }
  if (const YAML::Node s = root["sim"]) {
    check_keys(path, s, "sim", {"seed", "latency", "fail_review", "fail_step", "items",
                                "cost_per_call", "tokens_per_call"});
    if (s["cost_per_call"] &&
        !parse_cost(scalar(path, s["cost_per_call"], "cost_per_call"), &c.sim.cost_per_call))
      fail(path, s["cost_per_call"], "`cost_per_call` must be US dollars such as `0.01`");
    if (s["tokens_per_call"])
      c.sim.tokens_per_call = integer(path, s["tokens_per_call"], "tokens_per_call", 0);
    if (s["seed"]) c.sim.seed = static_cast<uint64_t>(integer(path, s["seed"], "seed", 0));
    if (s["latency"] &&
        !parse_sim_latency(scalar(path, s["latency"], "latency"), &c.sim.latency_min_ms, &c.sim.latency_max_ms))
      fail(path, s["latency"], "`latency` must be milliseconds (`100`) or a range (`50-200`)");
    if (s["fail_review"])
      for (const std::string& f : strings(path, s["fail_review"], "fail_review")) {
        SimFailReview r;
        if (!parse_sim_fail_review(f, &r))
          fail(path, s["fail_review"],
               "`fail_review` items are STEP or STEP:N (STEP[K] for item K of a `review each` "
               "fan-out)");
        c.sim.fail_review.push_back(r);
      }
    if (s["fail_step"]) c.sim.fail_step = strings(path, s["fail_step"], "fail_step");
    if (s["items"])
      for (const std::string& f : strings(path, s["items"], "items")) {
        SimFailReview r;
        if (!parse_sim_fail_review(f, &r) || f.find(':') == std::string::npos)
          fail(path, s["items"], "`items` entries are STEP:K");
        c.sim.items.push_back(r);
      }
  }
  check_references(path, root, c);
  return c;
}

}  // namespace

ConfigResult parse_config(const std::string& text, const std::string& path) {
  ConfigResult r;
  try {
    r.config = read(path, YAML::Load(text));
    r.ok = true;
  } catch (const ConfigError& e) {
    r.error = e.message;
  } catch (const YAML::Exception& e) {
    r.error = path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
              ": " + e.msg;
  }
  return r;
}

ConfigResult load_config(const std::string& path) {
  std::string text;
  if (!read_file(path, &text)) {
    ConfigResult r;
    r.error = "cannot read the configuration file " + path;
    return r;
  }
  return parse_config(text, path);
}

std::string backend_for(const Config& c, const std::string& forced, const std::string& agent,
                        const std::string& model) {
  if (!forced.empty()) return forced;
  auto a = c.agents.find(agent);
  if (a != c.agents.end() && !a->second.backend.empty()) return a->second.backend;
  auto m = c.models.find(model);
  if (m != c.models.end() && !m->second.backend.empty()) return m->second.backend;
  return c.default_backend.empty() ? "sim" : c.default_backend;
}

std::string pool_for(const Config& c, const std::string& agent, const std::string& model) {
  auto a = c.agents.find(agent);
  if (a != c.agents.end() && !a->second.pool.empty()) return a->second.pool;
  auto m = c.models.find(model);
  if (m != c.models.end() && !m->second.pool.empty()) return m->second.pool;
  for (const auto& [name, depth] : c.pools)
    if (name == agent) return name;
  for (const auto& [name, depth] : c.pools)
    if (!model.empty() && name == model) return name;
  return "";
}

}  // namespace flow::rt

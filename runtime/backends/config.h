#pragma once
// The configuration file (docs/config.md): which backend runs which agent, the command lines,
// timeouts, pools and sim options. YAML, read with yaml-cpp; errors name the file, line and key.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/backends/backend.h"
#include "runtime/backends/backend_api.h"

namespace flow::rt {

struct Route {
  std::string backend;  // "" = not set here
  std::string pool;     // "" = not set here
  std::string model;    // models: only; the name the backend gets ("" = the model as written)
};

struct Config {
  std::string path;             // "" when no file was read
  std::string default_backend;  // "" = sim
  std::map<std::string, CommandBackendSpec> backends;
  std::map<std::string, ApiBackendSpec> api_backends;  // type: anthropic | openai
  PriceTable prices;                                    // `prices:`, over the built-in table
  std::map<std::string, Route> agents, models;
  std::vector<std::pair<std::string, int>> pools;
  SimOptions sim;
  // `approvals:` — without a terminal, "wait" for `flow approve` or "stop" ("" = not set);
  // `notify` is a shell command run once per waiting approval.
  std::string approvals_mode, approvals_notify;
};

struct ConfigResult {
  bool ok = false;
  Config config;
  std::string error;
};

ConfigResult load_config(const std::string& path);
ConfigResult parse_config(const std::string& text, const std::string& path);

// Which backend and pool an agent call uses. `forced` is --backend ("" = none). The backend
// name is "sim" or a key of `backends` (or a built-in like "claude").
std::string backend_for(const Config& c, const std::string& forced, const std::string& agent,
                        const std::string& model);
std::string pool_for(const Config& c, const std::string& agent, const std::string& model);

}  // namespace flow::rt

#pragma once
// Which backend serves an agent call, built on first use from the config (config.md) and the
// command line. Tests put a fake backend in `backends` and name it in `forced`.
#include <map>
#include <memory>
#include <string>

#include "runtime/backends/backend.h"
#include "runtime/backends/config.h"

namespace flow::rt {

struct Router {
  Config config;
  std::string forced;  // --backend; "" = as configured
  std::map<std::string, std::unique_ptr<Backend>> backends;
  ApiRunOptions api;  // --record / --replay, for the `anthropic` and `openai` backends

  // The backend for this agent and model; nullptr with *error set when it cannot be built.
  Backend* get(const std::string& agent, const std::string& model, std::string* error);
  // The name `get` would use (for the banner and events).
  std::string name_for(const std::string& agent, const std::string& model) const;
  // The model name a backend gets: `models.MODEL.model` when the config maps it, else as given.
  std::string model_name(const std::string& model) const;
};

}  // namespace flow::rt

#include "runtime/backends/router.h"

namespace flow::rt {

std::string Router::name_for(const std::string& agent, const std::string& model) const {
  return backend_for(config, forced, agent, model);
}

Backend* Router::get(const std::string& agent, const std::string& model, std::string* error) {
  std::string name = name_for(agent, model);
  auto it = backends.find(name);
  if (it != backends.end()) return it->second.get();
  std::unique_ptr<Backend> b;
  if (name == "sim") {
    b = make_sim_backend(config.sim);
  } else if (auto api = config.api_backends.find(name); api != config.api_backends.end()) {
    b = make_api_backend(api->second, this->api);
  } else if (auto spec = config.backends.find(name); spec != config.backends.end()) {
    b = spec->second.kind == "claude" ? make_claude_backend(spec->second)
                                      : make_command_backend(spec->second);
  } else {
    CommandBackendSpec builtin;
    if (!builtin_command_backend(name, &builtin)) {
      *error = "unknown backend `" + name + "`: use `sim`, a built-in (claude, codex, llm, " +
               "ollama) or one defined under `backends:` in the config file";
      return nullptr;
    }
    b = builtin.kind == "claude" ? make_claude_backend(builtin) : make_command_backend(builtin);
  }
  Backend* raw = b.get();
  backends[name] = std::move(b);
  return raw;
}

std::string Router::model_name(const std::string& model) const {
  auto m = config.models.find(model);
  return m != config.models.end() && !m->second.model.empty() ? m->second.model : model;
}

}  // namespace flow::rt

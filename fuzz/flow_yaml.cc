// Fuzz target: the configuration file flow.yaml (docs/config.md), parsed as `flow` reads it,
// and the routing questions the scheduler asks of it.
#include <string>

#include "fuzz/target.h"
#include "runtime/backends/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flow::rt::ConfigResult r = flow::rt::parse_config(
      std::string(reinterpret_cast<const char*>(data), size), "flow.yaml");
  if (!r.ok) {
    if (r.error.empty()) fuzz_fail("a rejected flow.yaml gives no error message");
    return 0;
  }
  for (const auto& [agent, route] : r.config.agents) {
    (void)flow::rt::backend_for(r.config, "", agent, route.model);
    (void)flow::rt::pool_for(r.config, agent, route.model);
  }
  for (const auto& [model, route] : r.config.models) {
    (void)flow::rt::backend_for(r.config, "", "", model);
    (void)flow::rt::pool_for(r.config, "", model);
  }
  return 0;
}

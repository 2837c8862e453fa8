// textDocument/definition and textDocument/references.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/protocol.h"

namespace flow::lsp {
namespace {

// An agent from a subagent file is defined by that file: its `name:` line for `agents from`,
// the top of the file for `agent NAME from "FILE"`.
nlohmann::json agent_location(const Analysis& a, const Occurrence& o, Encoding enc) {
  const SourceMap& sources = a.result.sources;
  const AgentDef* def = o.agent_def ? o.agent_def : nullptr;
  if (!def) {
    const Occurrence* d = a.index.declaration(SymbolKind::Agent, o.name);
    def = d ? d->agent_def : nullptr;
    if (!def && d) return location_json(sources, d->span, enc);
  }
  if (!def) return nullptr;
  if (def->from_dir) return location_json(sources, def->span, enc);
  if (!def->agent.source.empty()) return file_location_json(def->agent.source);
  return location_json(sources, def->span, enc);
}

}  // namespace

nlohmann::json definition(const Analysis& a, uint32_t offset, Encoding enc) {
  const Occurrence* o = a.index.at(a.main_source, offset);
  if (!o) return nullptr;
  if (o->kind == SymbolKind::Module) {
    std::string path = o->use ? module_path(a, *o->use, o->span.file) : "";
    return path.empty() ? nlohmann::json(nullptr) : file_location_json(path);
  }
  if (o->kind == SymbolKind::Agent) return agent_location(a, *o, enc);
  const Occurrence* d = a.index.declaration(o->kind, o->name);
  return d ? location_json(a.result.sources, d->span, enc) : nlohmann::json(nullptr);
}

nlohmann::json references(const Analysis& a, uint32_t offset, bool with_declaration,
                          Encoding enc) {
  const Occurrence* o = a.index.at(a.main_source, offset);
  if (!o || o->kind == SymbolKind::Module) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (const Occurrence* r : a.index.all(o->kind, o->name))
    if (with_declaration || !r->declaration)
      out.push_back(location_json(a.result.sources, r->span, enc));
  return out;
}

}  // namespace flow::lsp

// textDocument/publishDiagnostics: the diagnostics `flowc check` reports, with the same codes,
// messages and spans, grouped by the file they point into.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/protocol.h"
#include "compiler/lsp/uri.h"

namespace flow::lsp {
namespace {

int severity_number(Severity s) {
  switch (s) {
    case Severity::Error: return 1;
    case Severity::Warning: return 2;
    case Severity::Note: return 3;
  }
  return 1;
}

nlohmann::json diagnostic_json(const Diagnostic& d, const SourceMap& sources, Encoding enc) {
  nlohmann::json j = {{"range", range_json(sources, d.span, enc)},
                      {"severity", severity_number(d.severity)},
                      {"code", d.code},
                      {"source", "flowc"},
                      {"message", d.message}};
  nlohmann::json related = nlohmann::json::array();
  for (const Label& l : d.secondary)
    if (l.span.file != 0)
      related.push_back({{"location", location_json(sources, l.span, enc)},
                         {"message", l.message.empty() ? "here" : l.message}});
  if (!related.empty()) j["relatedInformation"] = related;
  // The rest of what `flowc check` prints, for clients that show it.
  nlohmann::json data = nlohmann::json::object();
  if (!d.label.empty()) data["label"] = d.label;
  if (!d.notes.empty()) data["notes"] = d.notes;
  if (!d.help.empty()) data["help"] = d.help;
  if (!data.empty()) j["data"] = data;
  return j;
}

// Where the main file brings `path` in: a `use`, an `agent ... from`, or `agents from`.
const Span* reference_to(const Analysis& a, const std::string& path) {
  const SourceMap& sources = a.result.sources;
  for (const ast::File& f : a.trees->program.files) {
    if (f.source != a.main_source) continue;
    const std::string& here = sources.file(f.source).path;
    for (const ast::UseDecl& u : f.uses)
      if (module_path(a, u, f.source) == path) return &u.target_span;
    for (const ast::AgentDecl& ag : f.agents)
      if (ag.from && join_path(dir_of(here), ag.from->value) == path) return &ag.from->span;
    for (const ast::AgentsDecl& dir : f.agent_dirs)
      if (dir_of(path) == join_path(dir_of(here), dir.dir.value)) return &dir.dir.span;
  }
  return nullptr;
}

// One diagnostic at the reference that summarizes another file's problems.
void add_summary(const Analysis& a, uint32_t file, const std::vector<const Diagnostic*>& ds,
                 Encoding enc, nlohmann::json& out) {
  const SourceMap& sources = a.result.sources;
  const std::string& path = sources.file(file).path;
  const Span* at = a.trees ? reference_to(a, path) : nullptr;
  if (!at) return;
  size_t errors = 0;
  for (const Diagnostic* d : ds) errors += d->severity == Severity::Error;
  const Diagnostic& first = *ds.front();
  SourcePos p = first.span.begin;
  std::string what = errors ? std::to_string(errors) + (errors == 1 ? " error" : " errors")
                            : std::to_string(ds.size()) + (ds.size() == 1 ? " warning" : " warnings");
  nlohmann::json j = {{"range", range_json(sources, *at, enc)},
                      {"severity", errors ? 1 : 2},
                      {"code", first.code},
                      {"source", "flowc"},
                      {"message", "'" + path + "' has " + what + "; the first, at " +
                                      std::to_string(p.line) + ":" + std::to_string(p.col) +
                                      ": " + first.message}};
  j["relatedInformation"] = {{{"location", location_json(sources, first.span, enc)},
                              {"message", first.message}}};
  out.push_back(std::move(j));
}

}  // namespace

std::map<std::string, nlohmann::json> diagnostics_by_uri(const Analysis& a, Encoding enc) {
  const SourceMap& sources = a.result.sources;
  std::map<uint32_t, std::vector<const Diagnostic*>> by_file;
  for (const Diagnostic& d : a.result.diagnostics) {
    bool elsewhere = d.span.file != 0 && d.span.file < sources.files.size();
    by_file[elsewhere ? d.span.file : a.main_source].push_back(&d);
  }
  std::map<std::string, nlohmann::json> out;
  if (a.main_source == 0) return out;
  std::string main_uri = uri_from_path(sources.file(a.main_source).path);
  out[main_uri] = nlohmann::json::array();
  for (const auto& [file, ds] : by_file) {
    std::string uri = uri_from_path(sources.file(file).path);
    nlohmann::json& list = out[uri];
    if (list.is_null()) list = nlohmann::json::array();
    for (const Diagnostic* d : ds) list.push_back(diagnostic_json(*d, sources, enc));
    bool notable = false;
    for (const Diagnostic* d : ds) notable |= d->severity != Severity::Note;
    if (file != a.main_source && notable) add_summary(a, file, ds, enc, out[main_uri]);
  }
  return out;
}

}  // namespace flow::lsp

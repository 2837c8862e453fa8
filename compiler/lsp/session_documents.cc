// Session: document synchronization, analysis and publishing diagnostics.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/params.h"
#include "compiler/lsp/session.h"
#include "compiler/lsp/uri.h"

namespace flow::lsp {
namespace {

// An open agent file (.md) is text for the flows that load it, never a flow to compile.
bool is_agent_file(const std::string& uri) {
  return uri.size() >= 3 && uri.compare(uri.size() - 3, 3, ".md") == 0;
}

}  // namespace

void Session::did_open(const nlohmann::json& params) {
  const nlohmann::json& doc = field(params, "textDocument");
  std::string uri = string_field(doc, "uri");
  int64_t version = doc.contains("version") ? integer_field(doc, "version") : 0;
  if (!store_.open(uri, version, string_field(doc, "text"))) {
    log("ignored a document that is not a file:// URI: " + uri);
    return;
  }
  document_changed(uri);
}

void Session::did_change(const nlohmann::json& params) {
  const nlohmann::json& doc = field(params, "textDocument");
  std::string uri = string_field(doc, "uri");
  int64_t version = doc.contains("version") ? integer_field(doc, "version") : 0;
  const nlohmann::json& changes = field(params, "contentChanges");
  if (!changes.is_array()) throw RequestError{kInvalidParams, "`contentChanges` must be a list"};
  for (const nlohmann::json& c : changes) {
    TextChange change;
    change.text = string_field(c, "text");
    if (c.is_object() && c.contains("range")) {
      change.start = position_field(c["range"], "start");
      change.end = position_field(c["range"], "end");
    }
    if (!store_.change(uri, version, change, encoding_)) {
      log("didChange for a document that is not open: " + uri);
      return;
    }
  }
  document_changed(uri);
}

void Session::did_close(const nlohmann::json& params) {
  std::string uri = document_uri(params);
  store_.close(uri);
  analyses_.clear();
  publish(uri, {});
  published_.erase(uri);
  reads_.erase(uri);
}

// Every analysis may have read the changed buffer (as an import or an agent file), so all are
// stale. The changed document is compiled and published now, and so is every other open flow
// whose last compile read it, so that fixing an import clears the errors it caused.
void Session::document_changed(const std::string& uri) {
  analyses_.clear();
  const Document* doc = store_.find(uri);
  std::vector<std::string> dependents;
  for (const auto& [other, paths] : reads_)
    if (other != uri && doc && paths.count(doc->path) && store_.find(other))
      dependents.push_back(other);
  if (!is_agent_file(uri)) recheck(uri);  // an agent file is read by flows, not compiled
  for (const std::string& other : dependents) recheck(other);
}

void Session::recheck(const std::string& uri) {
  const Analysis& a = analysis(uri);
  publish(uri, diagnostics_by_uri(a, encoding_));
}

const Analysis& Session::analysis(const std::string& uri) {
  auto cached = analyses_.find(uri);
  if (cached != analyses_.end()) return *cached->second;
  const Document* doc = store_.find(uri);
  if (!doc)
    throw RequestError{kInvalidParams, "the document " + uri + " is not open (send didOpen first)"};
  if (is_agent_file(uri))
    throw RequestError{kInvalidParams, "the document " + uri + " is an agent file, not a flow"};
  const Analysis& a = *(analyses_[uri] = analyze(*doc, store_, options_));
  std::set<std::string>& paths = reads_[uri];
  paths.clear();
  for (size_t i = 1; i < a.result.sources.files.size(); ++i)
    paths.insert(absolute_path(a.result.sources.files[i]->path));
  return a;
}

// Publishes `by_uri` for `uri` and the other files it reaches, and clears what it published
// before and no longer has. Other open documents publish their own diagnostics.
void Session::publish(const std::string& uri, const std::map<std::string, nlohmann::json>& by_uri) {
  std::set<std::string> now;
  for (const auto& [target, list] : by_uri) {
    if (target != uri && store_.find(target)) continue;
    nlohmann::json params = {{"uri", target}, {"diagnostics", list}};
    const Document* doc = store_.find(target);
    if (doc) params["version"] = doc->version;
    send({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"}, {"params", params}});
    now.insert(target);
  }
  for (const std::string& old : published_[uri])
    if (!now.count(old) && (old == uri || !store_.find(old)))
      send({{"jsonrpc", "2.0"},
            {"method", "textDocument/publishDiagnostics"},
            {"params", {{"uri", old}, {"diagnostics", nlohmann::json::array()}}}});
  published_[uri] = std::move(now);
}

}  // namespace flow::lsp

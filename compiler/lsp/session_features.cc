// Session: requests about a document's content, dispatched to the features.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/params.h"
#include "compiler/lsp/session.h"

namespace flow::lsp {

nlohmann::json Session::feature(const std::string& method, const nlohmann::json& params) {
  static const char* const kPositioned[] = {"textDocument/hover", "textDocument/definition",
                                            "textDocument/references", "textDocument/completion",
                                            "textDocument/rename", "textDocument/prepareRename"};
  bool positioned = false;
  for (const char* m : kPositioned) positioned |= method == m;
  if (method == "textDocument/documentSymbol")
    return document_symbols(analysis(document_uri(params)), encoding_);
  if (method == "textDocument/formatting") return format_document(document_uri(params));
  if (!positioned) throw RequestError{kMethodNotFound, "unknown method `" + method + "`"};

  std::string uri = document_uri(params);
  Position pos = position_field(params, "position");
  const Analysis& a = analysis(uri);
  const Document& doc = *store_.find(uri);
  uint32_t offset = to_offset(doc.file, pos, encoding_);
  if (method == "textDocument/hover") return hover(a, offset, encoding_);
  if (method == "textDocument/definition") return definition(a, offset, encoding_);
  if (method == "textDocument/completion") return completion(a, doc, offset);
  if (method == "textDocument/prepareRename") return prepare_rename(a, offset, encoding_);
  if (method == "textDocument/references") {
    bool with_decl = true;
    if (params.contains("context") && params["context"].is_object())
      with_decl = params["context"].value("includeDeclaration", true);
    return references(a, offset, with_decl, encoding_);
  }
  nlohmann::json edit;
  std::string error;
  if (!rename(a, offset, string_field(params, "newName"), encoding_, &edit, &error))
    throw RequestError{kRequestFailed, error};
  return edit;
}

nlohmann::json Session::format_document(const std::string& uri) {
  const Document* doc = store_.find(uri);
  if (doc == nullptr) throw RequestError{kRequestFailed, "the document is not open: " + uri};
  nlohmann::json edits;
  std::string error;
  // A file with a syntax error is left alone, as `flowc fmt` leaves it; the editor shows why.
  if (!formatting(*doc, encoding_, &edits, &error))
    throw RequestError{kRequestFailed, "cannot format: " + error};
  return edits;
}

}  // namespace flow::lsp

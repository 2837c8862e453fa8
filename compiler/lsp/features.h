#pragma once
// The language features, each in its own file. Each takes the analysis of the document the
// request names and answers with the LSP result (null where LSP allows "nothing").
#include <map>
#include <string>

#include "compiler/lsp/analysis.h"
#include "compiler/lsp/position.h"
#include "compiler/lsp/protocol.h"

namespace flow::lsp {

// diagnostics.cc: publishDiagnostics params by URI, for the document and for every other file
// (import, agent file) that has diagnostics. Problems in other files are also reported at the
// `use` or `agent ... from` that brought them in.
std::map<std::string, nlohmann::json> diagnostics_by_uri(const Analysis& a, Encoding enc);

nlohmann::json hover(const Analysis& a, uint32_t offset, Encoding enc);             // hover.cc
nlohmann::json definition(const Analysis& a, uint32_t offset, Encoding enc);        // definition.cc
nlohmann::json references(const Analysis& a, uint32_t offset, bool with_declaration,
                          Encoding enc);                                            // definition.cc
nlohmann::json completion(const Analysis& a, const Document& doc, uint32_t offset);  // completion.cc
nlohmann::json document_symbols(const Analysis& a, Encoding enc);  // document_symbols.cc

// rename.cc: false (with `error` set) when the name at `offset` cannot be renamed to
// `new_name`; else `edit` is the WorkspaceEdit.
bool rename(const Analysis& a, uint32_t offset, const std::string& new_name, Encoding enc,
            nlohmann::json* edit, std::string* error);
// formatting.cc: the edits `flowc fmt` would make to the open document, as TextEdits (an
// empty list when it is formatted); false (with `error`) when it has a syntax error.
bool formatting(const Document& doc, Encoding enc, nlohmann::json* edits, std::string* error);

// The range of the name rename would change, or null.
nlohmann::json prepare_rename(const Analysis& a, uint32_t offset, Encoding enc);

}  // namespace flow::lsp

#pragma once
// The language server speaks JSON-RPC: this is the one header of compiler/lsp/ that brings in
// the JSON library, with the LSP shapes built from the compiler's spans.
#include <nlohmann/json.hpp>

#include "compiler/lsp/position.h"
#include "lang/source.h"

namespace flow::lsp {

nlohmann::json position_json(Position p);
// {start, end} of a span (0,0 for a span with no file).
nlohmann::json range_json(const SourceMap& sources, const Span& span, Encoding enc);
// {uri, range}: a span in whichever file it is.
nlohmann::json location_json(const SourceMap& sources, const Span& span, Encoding enc);
// The start of a file, for a location that names a whole file.
nlohmann::json file_location_json(const std::string& path);

}  // namespace flow::lsp

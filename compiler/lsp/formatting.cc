// textDocument/formatting: the formatter of `flowc fmt` (lang/format.h) on the unsaved text,
// answered as one edit over the whole document, or none when it is already formatted.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/protocol.h"
#include "lang/format.h"

namespace flow::lsp {

bool formatting(const Document& doc, Encoding enc, nlohmann::json* edits, std::string* error) {
  std::string formatted;
  if (!format_source(doc.file.text, doc.path, &formatted, error)) return false;
  *edits = nlohmann::json::array();
  if (formatted == doc.file.text) return true;
  // The end of the document: past its last byte.
  Position end = to_position(doc.file, doc.file.pos_at(static_cast<uint32_t>(doc.file.text.size())),
                             enc);
  edits->push_back({{"range", {{"start", position_json(Position{})}, {"end", position_json(end)}}},
                    {"newText", formatted}});
  return true;
}

}  // namespace flow::lsp

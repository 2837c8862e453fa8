#include "compiler/lsp/protocol.h"

#include <nlohmann/json.hpp>

#include "compiler/lsp/uri.h"

namespace flow::lsp {

nlohmann::json position_json(Position p) {
  return {{"line", p.line}, {"character", p.character}};
}

nlohmann::json range_json(const SourceMap& sources, const Span& span, Encoding enc) {
  if (span.file == 0 || span.file >= sources.files.size())
    return {{"start", position_json({})}, {"end", position_json({})}};
  const SourceFile& f = sources.file(span.file);
  return {{"start", position_json(to_position(f, span.begin, enc))},
          {"end", position_json(to_position(f, span.end, enc))}};
}

nlohmann::json location_json(const SourceMap& sources, const Span& span, Encoding enc) {
  std::string path = span.file < sources.files.size() ? sources.file(span.file).path : "";
  return {{"uri", uri_from_path(path)}, {"range", range_json(sources, span, enc)}};
}

nlohmann::json file_location_json(const std::string& path) {
  nlohmann::json zero = position_json({});
  return {{"uri", uri_from_path(path)}, {"range", {{"start", zero}, {"end", zero}}}};
}

}  // namespace flow::lsp

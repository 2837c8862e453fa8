#include "compiler/lsp/position.h"

#include <algorithm>

#include "lang/text.h"

namespace flow::lsp {
namespace {

// The length of the UTF-8 sequence at `i`; 1 for a byte that starts none, so that malformed
// text still advances (an editor shows such a byte as one U+FFFD, one UTF-16 unit).
uint32_t sequence_length(std::string_view bytes, size_t i) {
  size_t n = text::utf8_length(bytes, i);
  return n == 0 ? 1 : static_cast<uint32_t>(n);
}

std::string_view line_of(const SourceFile& file, uint32_t line0) {
  uint32_t begin = file.line_starts[line0];
  uint32_t end = line0 + 1 < file.line_starts.size() ? file.line_starts[line0 + 1]
                                                     : static_cast<uint32_t>(file.text.size());
  std::string_view line(file.text.data() + begin, end - begin);
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

uint32_t units_in(std::string_view bytes, Encoding encoding) {
  if (encoding == Encoding::Utf8) return static_cast<uint32_t>(bytes.size());
  uint32_t units = 0;
  for (size_t i = 0; i < bytes.size();) {
    uint32_t n = sequence_length(bytes, i);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

uint32_t bytes_for_units(std::string_view line, uint32_t units, Encoding encoding) {
  uint32_t i = 0, seen = 0;
  while (i < line.size()) {
    uint32_t n = sequence_length(line, i);
    uint32_t u = encoding == Encoding::Utf8 ? n : n == 4 ? 2 : 1;
    if (seen + u > units) break;
    seen += u;
    i = std::min<uint32_t>(i + n, static_cast<uint32_t>(line.size()));
  }
  return i;
}

Position to_position(const SourceFile& file, const SourcePos& pos, Encoding encoding) {
  if (pos.line == 0 || file.line_starts.empty()) return {};
  uint32_t line0 = std::min<uint32_t>(pos.line - 1, file.line_starts.size() - 1);
  std::string_view line = line_of(file, line0);
  uint32_t bytes = std::min<uint32_t>(pos.col > 0 ? pos.col - 1 : 0, line.size());
  return Position{line0, units_in(line.substr(0, bytes), encoding)};
}

uint32_t to_offset(const SourceFile& file, Position pos, Encoding encoding) {
  if (file.line_starts.empty() || pos.line >= file.line_starts.size())
    return static_cast<uint32_t>(file.text.size());
  std::string_view line = line_of(file, pos.line);
  return file.line_starts[pos.line] + bytes_for_units(line, pos.character, encoding);
}

}  // namespace flow::lsp

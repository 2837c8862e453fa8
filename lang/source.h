#pragma once
// Source text and positions. Every AST node carries a Span into a SourceFile so that any
// later phase can point a caret at the exact text it is complaining about.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flow {

struct SourcePos {
  uint32_t offset = 0;  // byte offset from the start of the file
  uint32_t line = 1;    // 1-based
  uint32_t col = 1;     // 1-based, counted in bytes
};

struct Span {
  uint32_t file = 0;  // index into SourceMap::files; 0 is a placeholder "<unknown>"
  SourcePos begin;
  SourcePos end;  // one past the last byte
};

struct SourceFile {
  std::string path;  // as the user named it (used in diagnostics)
  std::string text;
  std::vector<uint32_t> line_starts;  // offset of each line's first byte

  SourceFile(std::string path, std::string text);
  SourcePos pos_at(uint32_t offset) const;         // O(log lines)
  // The same, starting from the line `*line_hint` (0-based, updated): O(1) when the offsets
  // asked for move forward a little at a time, as they do while a file is parsed.
  SourcePos pos_at(uint32_t offset, uint32_t* line_hint) const;
  std::string_view line_text(uint32_t line) const;  // without the newline
};

// Text to read instead of files on disk, by absolute, lexically normal path: an editor's
// unsaved buffers (flowc lsp), so that imports and agent files see them too.
using SourceOverlay = std::unordered_map<std::string, std::string>;

// Owns every file read during one compilation; spans refer to files by index.
struct SourceMap {
  std::vector<std::unique_ptr<SourceFile>> files;
  const SourceOverlay* overlay = nullptr;  // null: every file comes from disk

  // The overlay's text for `path`, or nullptr (always, without an overlay).
  const std::string* overlay_text(const std::string& path) const;

  SourceMap();  // creates the placeholder file 0
  uint32_t add(std::string path, std::string text);
  const SourceFile& file(uint32_t id) const { return *files.at(id); }
  Span span(uint32_t file, uint32_t begin_offset, uint32_t end_offset) const;
};

}  // namespace flow

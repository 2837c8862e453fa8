#pragma once
// LSP positions (0-based line, and a column counted in UTF-16 code units unless the client
// chose UTF-8) to and from the compiler's byte offsets and 1-based byte columns.
#include <cstdint>
#include <string_view>

#include "lang/source.h"

namespace flow::lsp {

enum class Encoding { Utf16, Utf8 };

struct Position {
  uint32_t line = 0;
  uint32_t character = 0;
};

// Code units of `bytes` (UTF-8) in `encoding`: a character beyond U+FFFF is two in UTF-16.
uint32_t units_in(std::string_view bytes, Encoding encoding);

// How many bytes of `line` hold its first `units` code units; never splits a character, and
// stops at the end of the line (a position past it means the end).
uint32_t bytes_for_units(std::string_view line, uint32_t units, Encoding encoding);

// A compiler position in `file` as an LSP position.
Position to_position(const SourceFile& file, const SourcePos& pos, Encoding encoding);

// The byte offset in `file` of an LSP position, clamped to the file (a line past the end is
// the end of the file).
uint32_t to_offset(const SourceFile& file, Position pos, Encoding encoding);

}  // namespace flow::lsp

#pragma once
// The lang/ boundary: text in, syntax tree and diagnostics out. PEGTL's exceptions never
// leave lang/; every problem comes back as a Diagnostic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lang/ast.h"
#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

struct ParseResult {
  ast::File file;                        // every statement that parsed, even when errors exist
  std::vector<Diagnostic> diagnostics;   // syntax errors, in source order
};

// Parses a file already in `sources`. Never throws, never crashes on any bytes.
ParseResult parse(const SourceMap& sources, uint32_t file_id);

// `text` is a whole identifier of the language (a name a step can call, `after` or `uses`).
bool is_name(std::string_view text);

// Reads a file from disk into `sources` (`-`: standard input, named `<stdin>` in messages),
// or from `sources.overlay` when it holds the file.
// On failure returns false and sets `error` to a one-line message such as
// "cannot read 'x.flow': no such file" or "'dir' is a directory".
bool read_source(SourceMap& sources, const std::string& path, uint32_t& file_id,
                 std::string& error);

}  // namespace flow

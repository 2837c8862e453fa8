#pragma once
// `flowc fmt`: one canonical layout for .flow source (docs/language.md, "Layout").
#include <string>
#include <string_view>

namespace flow {

// Formats one whole .flow source. Returns false and sets `error` (file:line:col: message)
// when the source has a syntax error; `out` is then untouched.
bool format_source(std::string_view source, std::string_view file_name, std::string* out,
                   std::string* error);

}  // namespace flow

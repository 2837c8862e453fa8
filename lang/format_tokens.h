#pragma once
// The tokens the formatter moves around (lang/format.cc). The source has already parsed
// cleanly, so this lexer only has to find where each token begins and ends.
#include <cstdint>
#include <string_view>
#include <vector>

namespace flow::format {

enum class TokenKind {
  Word,     // a keyword, name, module path (`std/policies`) or integer
  String,   // "..." on one line
  Raw,      // """...""", may span lines
  Open,     // `<` or `[`
  Close,    // `>` or `]`
  Comma,
  Semicolon,
  Colon,
  Operator,  // `=`, `==`, `!=`
  Comment,   // from `#` to the end of the line, without the newline
};

struct Token {
  TokenKind kind;
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t newlines_before = 0;  // line ends between the previous token (or the start) and this
};

// Every token of `text` from offset `from` on (a byte order mark before `from` is skipped by
// the caller). Whitespace is ' ', '\t', '\r' and '\n', as in the grammar.
std::vector<Token> tokenize(std::string_view text, uint32_t from);

// Display width of `text` as a terminal shows it: UTF-8 continuation bytes take no column,
// a tab moves to the next multiple of 8, a carriage return takes no column. `start` is the
// column `text` begins at.
uint32_t display_width(std::string_view text, uint32_t start = 0);

}  // namespace flow::format

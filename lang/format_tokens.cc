#include "lang/format_tokens.h"

namespace flow::format {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '.' || c == '/';
}

// End of the string token starting at `at` (`text[at]` is '"').
uint32_t string_end(std::string_view text, uint32_t at, TokenKind* kind) {
  size_t n = text.size();
  if (text.substr(at, 3) == "\"\"\"") {
    *kind = TokenKind::Raw;
    size_t close = text.find("\"\"\"", at + 3);
    return static_cast<uint32_t>(close == std::string_view::npos ? n : close + 3);
  }
  *kind = TokenKind::String;
  size_t i = at + 1;
  while (i < n && text[i] != '"' && text[i] != '\n') i += text[i] == '\\' ? 2 : 1;
  return static_cast<uint32_t>(i < n ? i + 1 : n);
}

// The token at `at`, which is not whitespace.
Token token_at(std::string_view text, uint32_t at) {
  Token t{TokenKind::Word, at, at + 1};
  char c = text[at];
  char next = at + 1 < text.size() ? text[at + 1] : '\0';
  switch (c) {
    case '#': {
      size_t nl = text.find('\n', at);
      t.kind = TokenKind::Comment;
      t.end = static_cast<uint32_t>(nl == std::string_view::npos ? text.size() : nl);
      return t;
    }
    case '"': t.end = string_end(text, at, &t.kind); return t;
    case '<': case '[': t.kind = TokenKind::Open; return t;
    case '>': case ']': t.kind = TokenKind::Close; return t;
    case ',': t.kind = TokenKind::Comma; return t;
    case ';': t.kind = TokenKind::Semicolon; return t;
    case ':': t.kind = TokenKind::Colon; return t;
    case '=': case '!':
      t.kind = TokenKind::Operator;
      if (next == '=') t.end = at + 2;
      return t;
    default: break;
  }
  uint32_t e = at;
  while (e < text.size() && is_word_char(text[e])) ++e;
  t.end = e > at ? e : at + 1;  // any other byte stands alone (the parser refused it already)
  return t;
}

}  // namespace

std::vector<Token> tokenize(std::string_view text, uint32_t from) {
  std::vector<Token> tokens;
  uint32_t newlines = 0;
  for (uint32_t i = from; i < text.size();) {
    if (is_space(text[i])) {
      newlines += text[i] == '\n';
      ++i;
      continue;
    }
    Token t = token_at(text, i);
    t.newlines_before = newlines;
    newlines = 0;
    tokens.push_back(t);
    i = t.end;
  }
  return tokens;
}

uint32_t display_width(std::string_view text, uint32_t start) {
  uint32_t col = start;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\t')
      col = (col / 8 + 1) * 8;
    else if ((c & 0xC0) != 0x80 && c != '\r')
      ++col;
  }
  return col - start;
}

}  // namespace flow::format

#include "runtime/terminal/printable.h"

#include "lang/text.h"

namespace flow::rt {
namespace {

constexpr char kEsc = '\x1b';

// Where the escape sequence starting at `i` (text[i] == ESC) ends: one past its last byte.
size_t escape_end(std::string_view s, size_t i) {
  size_t k = i + 1;
  if (k >= s.size()) return k;
  char c = s[k];
  if (c == '[') {  // CSI: parameter and intermediate bytes, then one final byte
    for (++k; k < s.size(); ++k) {
      unsigned char b = static_cast<unsigned char>(s[k]);
      if (b >= 0x40 && b <= 0x7e) return k + 1;
      if (b < 0x20 || b > 0x3f) return k;  // malformed: drop what was read, keep this byte
    }
    return k;
  }
  if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {  // strings: up to BEL or ST
    for (++k; k < s.size(); ++k) {
      if (s[k] == '\a') return k + 1;
      if (s[k] == kEsc) return k + 1 < s.size() && s[k + 1] == '\\' ? k + 2 : k;
    }
    return k;
  }
  // nF/Fp/Fe/Fs forms: intermediates 0x20..0x2F, then a final byte 0x30..0x7E.
  while (k < s.size() && s[k] >= 0x20 && s[k] <= 0x2f) ++k;
  if (k < s.size() && s[k] >= 0x30 && s[k] <= 0x7e) ++k;
  return k;
}

// True for the code points that are dropped although they are valid UTF-8.
bool dropped(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {  // the common case first
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n' || c == '\t') {
      out += static_cast<char>(c);
      ++i;
    } else if (c == static_cast<unsigned char>(kEsc)) {
      i = escape_end(s, i);
    } else if (c < 0x80) {  // other C0 controls, NUL and DEL
      ++i;
    } else if (size_t n = text::utf8_length(s, i); n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      if (!dropped(text::utf8_decode(s, i, n))) out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace flow::rt

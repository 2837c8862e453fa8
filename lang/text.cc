#include "lang/text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace flow::text {

size_t utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) -> unsigned { return k < s.size() ? (unsigned char)s[k] : 0u; };
  auto cont = [&](size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  unsigned c = byte(i);
  if (i >= s.size()) return 0;
  if (c < 0x80) return c == 0 ? 0 : 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned c1 = byte(i + 1);
    if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c == 0xED && c1 >= 0xA0) return 0;  // surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned c1 = byte(i + 1);
    if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c == 0xF4 && c1 >= 0x90) return 0;  // past U+10FFFF
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

uint32_t utf8_decode(std::string_view s, size_t i, size_t n) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
  if (n == 1) return b(0);
  if (n == 2) return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
  if (n == 3) return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
  return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
}

size_t utf8_boundary(std::string_view s, size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

std::string plural(size_t n, std::string_view noun) {
  std::string out = std::to_string(n) + " ";
  out += noun;
  if (n != 1) out += 's';
  return out;
}

namespace {

// Whether the 8 bytes at p are all ASCII and none is NUL (the classic "has zero byte" test).
bool plain_ascii8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr uint64_t kOnes = 0x0101010101010101u, kHighs = 0x8080808080808080u;
  return (w & kHighs) == 0 && ((w - kOnes) & ~w & kHighs) == 0;
}

}  // namespace

std::vector<uint32_t> encoding_errors(std::string_view s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size() && plain_ascii8(s.data() + i)) {  // the common case: 8 bytes at once
      i += 8;
      continue;
    }
    unsigned char c = s[i];
    if (c >= 0x01 && c < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_length(s, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out.push_back(static_cast<uint32_t>(i));
    size_t eol = s.find('\n', i);
    if (eol == std::string_view::npos) break;
    i = eol + 1;
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

std::string strip_indentation(std::string_view raw) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = raw.find('\n', start);
    std::string_view line = raw.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  // `"""` then a newline: the text starts on the next line.
  if (lines.size() > 1 && lines.front().empty()) lines.erase(lines.begin());
  // The closing `"""` on a line of its own: that line is not part of the text.
  if (lines.size() > 1 && is_blank(lines.back())) lines.pop_back();

  // The whitespace every non-blank line starts with, compared byte for byte so that a tab
  // never counts as some number of spaces.
  std::string_view common;
  bool first = true;
  for (std::string_view line : lines) {
    if (is_blank(line)) continue;
    std::string_view lead = line.substr(0, line.find_first_not_of(" \t"));
    if (first) {
      common = lead;
      first = false;
      continue;
    }
    size_t k = 0;
    while (k < common.size() && k < lead.size() && common[k] == lead[k]) ++k;
    common = common.substr(0, k);
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    if (is_blank(lines[i])) continue;
    out.append(lines[i].substr(common.size()));
  }
  return out;
}

}  // namespace flow::text

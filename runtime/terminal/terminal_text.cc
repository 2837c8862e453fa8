#include "runtime/terminal/terminal_text.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "lang/text.h"

namespace flow::rt {
namespace {

constexpr std::string_view kEllipsis = "\xe2\x80\xa6";  // U+2026, one column

struct Range {
  uint32_t first, last;
};

// Combining marks, variation selectors, zero-width spaces and joiners: drawn on the character
// before them.
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
    {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
    {0xE0100, 0xE01EF},
};

// East Asian Wide and Fullwidth characters and the emoji blocks: two columns each.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26F2, 0x26F5},   {0x2705, 0x2705},
    {0x270A, 0x270B},   {0x2728, 0x2728},   {0x274C, 0x274C},   {0x2753, 0x2755},
    {0x2795, 0x2797},   {0x2B1B, 0x2B1C},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},
    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18AFF},
    {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
    {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB},
    {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
};

template <size_t N>
bool in(const Range (&table)[N], uint32_t cp) {
  for (const Range& r : table)
    if (cp >= r.first && cp <= r.last) return true;
  return false;
}

size_t char_width(uint32_t cp) {
  if (cp < 0x20 && cp != '\t') return 0;
  if (cp < 0x300) return 1;
  if (in(kZeroWidth, cp)) return 0;
  return in(kWide, cp) ? 2 : 1;
}

// One character: where it starts, how many bytes and columns it takes.
struct Glyph {
  size_t at, bytes, cols;
};

std::vector<Glyph> glyphs(std::string_view s) {
  std::vector<Glyph> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = text::utf8_length(s, i);
    if (n == 0) n = 1;  // not valid UTF-8 (printable() text never is): one column per byte
    out.push_back({i, n, n == 1 ? char_width(static_cast<unsigned char>(s[i]))
                                : char_width(text::utf8_decode(s, i, n))});
    i += n;
  }
  return out;
}

// The longest prefix of `g` (from `from`) that takes at most `cols` columns: its end index.
size_t take_cols(const std::vector<Glyph>& g, size_t from, size_t cols) {
  size_t used = 0, k = from;
  while (k < g.size() && used + g[k].cols <= cols) used += g[k++].cols;
  return k;
}

}  // namespace

size_t display_width(std::string_view s) {
  size_t w = 0;
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) >= 0x20 &&
                           static_cast<unsigned char>(c) < 0x7f;
  if (ascii) return s.size();
  for (const Glyph& g : glyphs(s)) w += g.cols;
  return w;
}

std::string fit_end(std::string_view s, size_t cols) {
  if (display_width(s) <= cols) return std::string(s);
  if (cols == 0) return "";
  std::vector<Glyph> g = glyphs(s);
  size_t k = take_cols(g, 0, cols - 1);
  std::string out(s.substr(0, k < g.size() ? g[k].at : s.size()));
  out += kEllipsis;
  return out;
}

std::string fit_middle(std::string_view s, size_t cols) {
  if (display_width(s) <= cols) return std::string(s);
  if (cols < 3) return fit_end(s, cols);
  std::vector<Glyph> g = glyphs(s);
  size_t head_cols = (cols - 1 + 1) / 2, tail_cols = cols - 1 - head_cols;
  size_t head = take_cols(g, 0, head_cols);
  // The tail: the longest suffix within tail_cols columns.
  size_t tail = g.size(), used = 0;
  while (tail > head && used + g[tail - 1].cols <= tail_cols) used += g[--tail].cols;
  std::string out(s.substr(0, head < g.size() ? g[head].at : s.size()));
  out += kEllipsis;
  if (tail < g.size()) out += s.substr(g[tail].at);
  return out;
}

std::vector<std::string> wrap_line(std::string_view s, size_t cols, size_t indent) {
  if (cols < 2) cols = 2;
  if (indent + 2 > cols) indent = 0;
  std::vector<std::string> lines;
  size_t i = std::min(s.find_first_not_of(' '), s.size());
  std::string line(std::min(i, cols - 1), ' ');  // the line's own indentation stays
  size_t width = line.size();
  bool fresh = true;  // no word on `line` yet
  auto next_line = [&] {
    lines.push_back(std::move(line));
    line.assign(indent, ' ');
    width = indent;
    fresh = true;
  };
  while (i < s.size()) {
    size_t start = s.find_first_not_of(' ', i);
    if (start == std::string_view::npos) break;  // trailing spaces
    size_t end = std::min(s.find(' ', start), s.size());
    std::string_view gap = s.substr(i, start - i), word = s.substr(start, end - start);
    size_t w = display_width(word);
    i = end;
    if (!fresh && width + gap.size() + w <= cols) {
      line.append(gap).append(word);
      width += gap.size() + w;
      continue;
    }
    if (!fresh) next_line();
    if (width + w <= cols) {
      line += word;
      width += w;
      fresh = false;
      continue;
    }
    std::vector<Glyph> g = glyphs(word);  // a word longer than a line: cut it
    for (size_t k = 0; k < g.size();) {
      size_t to = std::max(take_cols(g, k, cols - width), k + 1);
      line += word.substr(g[k].at, (to < g.size() ? g[to].at : word.size()) - g[k].at);
      for (; k < to; ++k) width += g[k].cols;
      fresh = false;
      if (k < g.size()) next_line();
    }
  }
  lines.push_back(std::move(line));
  return lines;
}

size_t terminal_columns(int fd, size_t fallback) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return fallback;
}

size_t terminal_rows(int fd, size_t fallback) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
  return fallback;
}

}  // namespace flow::rt

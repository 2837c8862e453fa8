// Text sent back to the model: always valid UTF-8 (a JSON string must be), never unbounded.
#include <cstdint>

#include "runtime/tools/tool_impl.h"

namespace flow::rt {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 if the byte does not start one (overlong
// forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_len(std::string_view t, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(t[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > t.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
  if (n == 4 && c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
  return n;
}

}  // namespace

std::string utf8_capped(std::string_view text, size_t cap, bool* cut) {
  std::string out;
  out.reserve(std::min(text.size(), cap));
  if (cut) *cut = false;
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_len(text, i);
    std::string_view piece = n ? text.substr(i, n) : std::string_view("\xEF\xBF\xBD");
    if (out.size() + piece.size() > cap) {
      if (cut) *cut = true;
      break;
    }
    out += piece;
    i += n ? n : 1;
  }
  return out;
}

}  // namespace flow::rt

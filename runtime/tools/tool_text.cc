// Text sent back to the model: always valid UTF-8 (a JSON string must be), never unbounded.
#include <cstdint>

#include "lang/text.h"
#include "runtime/tools/tool_impl.h"

namespace flow::rt {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 if the byte does not start one. A NUL is
// valid here (JSON escapes it), unlike in a .flow source.
size_t utf8_len(std::string_view t, size_t i) {
  return t[i] == '\0' ? 1 : text::utf8_length(t, i);
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

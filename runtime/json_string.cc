#include "runtime/json_string.h"

#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

namespace flow::rt {
namespace {

// The length of the well-formed UTF-8 sequence at text[i] (a byte >= 0x80), or 0 when it is
// not one (Unicode, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t utf8_length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return i + k < text.size() ? static_cast<uint8_t>(text[i + k]) : 0; };
  auto tail = [](uint8_t b) { return b >= 0x80 && b <= 0xBF; };
  const uint8_t b0 = byte(0), b1 = byte(1);
  if (b0 >= 0xC2 && b0 <= 0xDF) return tail(b1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return b1 >= lo && b1 <= hi && tail(byte(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return b1 >= lo && b1 <= hi && tail(byte(2)) && tail(byte(3)) ? 4 : 0;
  }
  return 0;
}

// What nlohmann/json writes for a byte below 0x80 that needs escaping; nullptr for one that
// is copied as it is.
const char* escape_of(uint8_t c, char (&buf)[7]) {
  switch (c) {
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\f': return "\\f";
    case '\r': return "\\r";
    case '"': return "\\\"";
    case '\\': return "\\\\";
    default: break;
  }
  if (c > 0x1F) return nullptr;
  static const char kHex[] = "0123456789abcdef";  // lower case, as nlohmann/json writes it
  buf[0] = '\\', buf[1] = 'u', buf[2] = '0', buf[3] = '0';
  buf[4] = kHex[c >> 4], buf[5] = kHex[c & 0xF], buf[6] = '\0';
  return buf;
}

// Bytes copied as they are: printable ASCII but the quote and the backslash.
struct PlainBytes {
  bool of[256] = {};
  constexpr PlainBytes() {
    for (int c = 0x20; c < 0x80; ++c) of[c] = c != '"' && c != '\\';
  }
};
constexpr PlainBytes kPlain;

// The length of the run of plain bytes at the start of `text`, eight bytes at a time: a word
// of plain bytes has no byte below 0x20, none with the top bit set, no '"' and no '\\'.
size_t plain_run(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    uint64_t special = (w & kHigh) | ((w - kOnes * 0x20) & ~w & kHigh) |
                       has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'));
    if (special) break;
  }
  while (i < text.size() && kPlain.of[static_cast<uint8_t>(text[i])]) ++i;
  return i;
}

}  // namespace

void append_json_string(std::string* out, std::string_view text) {
  const size_t start = out->size();
  out->reserve(start + text.size() + 2);
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    size_t run = plain_run(text.substr(i));
    out->append(text.data() + i, run);
    i += run;
    if (i == text.size()) break;
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x80) {
      char buf[7];
      out->append(escape_of(c, buf));
      ++i;
      continue;
    }
    size_t n = utf8_length(text, i);
    if (n == 0) {
      // Invalid UTF-8 is rare (a model's or a file's bytes): nlohmann/json's own replacement
      // rules then write the whole string, so the bytes stay exactly its bytes.
      out->resize(start);
      out->append(nlohmann::json(std::string(text))
                      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
    out->append(text.data() + i, n);  // valid UTF-8 is written as it is
    i += n;
  }
  out->push_back('"');
}

void append_json_key(std::string* out, std::string_view key) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void append_json_member(std::string* out, std::string_view key, std::string_view text) {
  append_json_key(out, key);
  append_json_string(out, text);
}

}  // namespace flow::rt

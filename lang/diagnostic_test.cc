// render_human on lines that are not plain ASCII.
#include <catch2/catch.hpp>

#include "lang/diagnostic.h"

namespace {

std::string render_at(const std::string& text, uint32_t begin, uint32_t end) {
  flow::SourceMap sources;
  uint32_t id = sources.add("t.flow", text);
  flow::Diagnostic d;
  d.code = "E0000";
  d.message = "m";
  d.span = sources.span(id, begin, end);
  return flow::render_human(d, sources, false);
}

}  // namespace

TEST_CASE("bytes that are not UTF-8, and control bytes, are shown as ?") {
  CHECK(render_at("a \xE9\x1B[2J b", 7, 8) ==
        "t.flow:1:8: error[E0000]: m\n"
        "  |\n"
        "1 | a ??[2J b\n"
        "  |        ^\n");
}

TEST_CASE("the caret counts characters, not bytes, before and under the span") {
  // "café " is 6 bytes but 5 characters; "naïve" is 6 bytes, 5 characters.
  CHECK(render_at("caf\xC3\xA9 na\xC3\xAFve", 6, 12) ==
        "t.flow:1:7: error[E0000]: m\n"
        "  |\n"
        "1 | caf\xC3\xA9 na\xC3\xAFve\n"
        "  |      ^^^^^\n");
}

// The parser finds positions from the line found last (SourceFile::pos_at with a hint); for
// any order of offsets, forward, backward or far, it must give what the binary search gives.
TEST_CASE("pos_at with a line hint agrees with pos_at for every offset, in any order") {
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::string(static_cast<size_t>(i % 7), 'x') + "\n";
  text += "last line without newline";
  flow::SourceFile f("t.flow", text);
  const uint32_t n = static_cast<uint32_t>(text.size()) + 3;  // past the end too
  std::vector<uint32_t> order;
  for (uint32_t o = 0; o <= n; ++o) order.push_back(o);                  // forward
  for (uint32_t o = n + 1; o-- > 0;) order.push_back(o);                 // backward
  for (uint32_t k = 0; k <= n; ++k) order.push_back((k * 37) % (n + 1));  // jumps
  uint32_t hint = 0;
  for (uint32_t o : order) {
    flow::SourcePos want = f.pos_at(o), got = f.pos_at(o, &hint);
    INFO("offset " << o);
    CHECK(got.offset == want.offset);
    CHECK(got.line == want.line);
    CHECK(got.col == want.col);
  }
}

// Line starts are found with memchr: every line, empty ones and a last one with or without its
// newline, must begin where a byte-by-byte scan says.
TEST_CASE("SourceFile finds the start of every line") {
  for (std::string text : {"", "\n", "a", "a\n", "\n\nab\n\ncd", "one\r\ntwo\n\nthree\n"}) {
    flow::SourceFile f("t.flow", text);
    std::vector<uint32_t> want{0};
    for (uint32_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') want.push_back(i + 1);
    INFO(text);
    CHECK(f.line_starts == want);
  }
}

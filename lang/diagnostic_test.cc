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

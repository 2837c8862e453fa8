// Hostile input: whatever the bytes, the parser answers with diagnostics, quickly, without
// crashing or running out of stack.
#include <filesystem>
#include <fstream>
#include <functional>

#include <catch2/catch.hpp>

#include "lang/parse_test_util.h"

using flow::testing::headlines;
using flow::testing::parse_text;
using flow::testing::thread_cpu_seconds;

namespace {

double seconds_to_parse(const std::string& text, size_t& errors) {
  double start = thread_cpu_seconds();
  errors = parse_text(text).errors();
  return thread_cpu_seconds() - start;
}

// Whether parsing grows linearly: the time for `make(8 * n)` against that for `make(n)`, each
// the best of five runs. No absolute limit, so a slow machine or a sanitizer build passes
// as a fast one does: linear growth gives a ratio near 8, quadratic near 64, and the bound
// of 32 leaves room for noise.
bool parses_in_linear_time(const std::function<std::string(size_t)>& make, size_t n,
                           size_t expected_errors, bool errors_grow = false) {
  auto best = [&](size_t size) {
    size_t want = errors_grow ? expected_errors * (size / n) : expected_errors;
    std::string text = make(size);
    double t = 1e9;
    for (int run = 0; run < 5; ++run) {
      size_t errors = 0;
      t = std::min(t, seconds_to_parse(text, errors));
      if (errors != want) return -1.0;
    }
    return t;
  };
  // Even in CPU time, cache and frequency changes can make a few milliseconds look like many
  // times more, so a ratio over the bound counts only when three measurements in a row agree;
  // quadratic growth exceeds it every time.
  for (int attempt = 0; attempt < 3; ++attempt) {
    double small = best(n), large = best(8 * n);
    UNSCOPED_INFO("parse of " << n << " units: " << small << " s; of " << 8 * n << ": " << large
                              << " s");
    if (small < 0 || large < 0) return false;
    if (large < 32 * std::max(small, 1e-4)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("NUL bytes and invalid UTF-8 are errors at the byte") {
  std::string text = "flow f \"caf\xE9\"\nstage s a" + std::string(1, '\0') +
                     "b\nstage t x\nagent \xFF < >\n";
  CHECK(headlines(text) ==
        "t.flow:1:12: error[E0001]: invalid UTF-8 byte 0xE9\n"
        "t.flow:2:10: error[E0001]: NUL byte in source\n"
        "t.flow:4:7: error[E0001]: invalid UTF-8 byte 0xFF\n");
  // The clean statement between them still parses.
  auto p = parse_text(text);
  REQUIRE_FALSE(p.file().stages.empty());
  CHECK(p.file().stages.back().name.name == "t");
  CHECK(p.file().agents.empty());
}

TEST_CASE("a UTF-8 byte order mark at the start is ignored, elsewhere it is an error") {
  auto p = parse_text("\xEF\xBB\xBFstage s a\n");
  CHECK(p.errors() == 0);
  REQUIRE(p.file().stages.size() == 1);
  CHECK(p.file().stages[0].span.begin.col == 4);  // columns still count bytes
  CHECK(headlines("stage s a\n\xEF\xBB\xBFstage t b\n") ==
        "t.flow:2:1: error[E0002]: expected a statement, found `\xEF\xBB\xBF`\n");
}

TEST_CASE("overlong forms, surrogates and truncated sequences are invalid UTF-8") {
  CHECK(headlines("# \xC0\xAF\n") == "t.flow:1:3: error[E0001]: invalid UTF-8 byte 0xC0\n");
  CHECK(headlines("# \xED\xA0\x80\n") == "t.flow:1:3: error[E0001]: invalid UTF-8 byte 0xED\n");
  CHECK(headlines("# \xF4\x90\x80\x80\n") == "t.flow:1:3: error[E0001]: invalid UTF-8 byte 0xF4\n");
  CHECK(headlines("# \xE2\x82") == "t.flow:1:3: error[E0001]: invalid UTF-8 byte 0xE2\n");
  CHECK(parse_text("# caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\nflow f \"\xC3\xA9\"").errors() == 0);
}

TEST_CASE("every single byte value at the start of a file gives an answer") {
  for (int b = 0; b < 256; ++b) {
    std::string text(1, static_cast<char>(b));
    text += " stage s < a; \"x";
    auto p = parse_text(text);
    INFO(b);
    if (b == '#')
      CHECK(p.errors() == 0);  // `#` makes the line a comment
    else
      CHECK(p.errors() >= 1);
  }
}

TEST_CASE("a long comment, string and line parse in linear time") {
  CHECK(parses_in_linear_time([](size_t n) { return std::string(n, '#'); }, 1'250'000, 0));
  CHECK(parses_in_linear_time(
      [](size_t n) { return "flow f \"" + std::string(n, 'a') + "\"\nstage s x\n"; }, 1'250'000, 0));
  // Unclosed, on one line.
  CHECK(parses_in_linear_time([](size_t n) { return "stage s x \"" + std::string(n, 'a'); },
                              1'250'000, 1));
  CHECK(parses_in_linear_time(
      [](size_t n) { return "stage s x" + std::string(n, ' ') + "y"; }, 1'250'000, 1));
}

TEST_CASE("many broken lines: one pass, no quadratic recovery") {
  auto lines = [](size_t n) {
    std::string text;
    for (size_t i = 0; i < n; ++i) text += "stage s <\n";
    return text;
  };
  size_t errors = 0;
  seconds_to_parse(lines(12'500), errors);
  CHECK(errors == 12'500);
  CHECK(parses_in_linear_time(lines, 12'500, 12'500, /*errors_grow=*/true));
}

TEST_CASE("nesting: 256 levels are fine, deeper is an error, never a stack overflow") {
  std::string ok = "stage s " + std::string(256, '<') + "a" + std::string(256, '>');
  auto p = parse_text(ok);
  REQUIRE(p.errors() == 0);
  const flow::ast::Step* s = &p.file().stages[0].body;
  int depth = 0;
  while (s->kind == flow::ast::Step::Kind::Block) {
    REQUIRE(s->children.size() == 1);
    s = &s->children[0];
    ++depth;
  }
  CHECK(depth == 256);
  CHECK(s->agent.name == "a");

  std::string deep = "stage s " + std::string(100'000, '<') + "\nstage t x\n";
  CHECK(headlines(deep) == "t.flow:1:265: error[E0024]: nesting too deep (more than 256 levels)\n");
  auto d = parse_text(deep);
  REQUIRE(d.file().stages.size() == 1);  // recovery goes on after the deep line
  CHECK(d.file().stages[0].name.name == "t");

  std::string mixed = "stage s ";
  for (int i = 0; i < 50'000; ++i) mixed += "parallel < sequence < ";
  CHECK(parse_text(mixed).errors() == 1);
}

TEST_CASE("read_source: missing files and directories are clear errors") {
  flow::SourceMap sources;
  uint32_t id = 0;
  std::string error;
  CHECK_FALSE(flow::read_source(sources, "no/such/file.flow", id, error));
  CHECK(error == "cannot read 'no/such/file.flow': no such file or directory");
  auto dir = std::filesystem::temp_directory_path();
  CHECK_FALSE(flow::read_source(sources, dir.string(), id, error));
  CHECK(error == "cannot read '" + dir.string() + "': is a directory");

  auto path = dir / "flow_read_source_test.flow";
  std::ofstream(path, std::ios::binary) << "stage s a\n";
  REQUIRE(flow::read_source(sources, path.string(), id, error));
  CHECK(sources.file(id).text == "stage s a\n");
  CHECK(sources.file(id).path == path.string());
  std::filesystem::remove(path);
}

TEST_CASE("random edits of a valid flow never crash the parser") {
  const std::string base =
      "flow f \"d\"\ninput xs: list = [\"a\", \"b\",] \"doc\"\ninput on: bool = true\n"
      "use std/policies\nagent a < description \"x\\u{41}\"; model sonnet; tools Read, Write\n"
      "  writes \"docs/**\"; role worker; prompt \"\"\"\n    hi\n    \"\"\" >\n"
      "agent b from \"b.md\" < role reviewer >\nagents from \"agents/\"\n"
      "stage s after t when on parallel < a over xs as w; run \"make\"; approve \"ok?\"; "
      "< a \"focus\" uses w > > review each b check \"true\" approve retries 3 else ask\n"
      "rule every step reviewed by b\nrule at most 9 calls\nrule a writes only \"x\"\n"
      "rule s before t\n";
  const std::string alphabet = "<>;,[]\"\\{}#:=/-_ \n\tau0\xC3\xA9\xFF";
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text = base;
    int edits = 1 + next() % 4;
    for (int e = 0; e < edits; ++e) {
      size_t at = next() % (text.size() + 1);
      switch (next() % 3) {
        case 0: text.insert(at, 1, alphabet[next() % alphabet.size()]); break;
        case 1: if (at < text.size()) text.erase(at, 1 + next() % 8); break;
        case 2: if (at < text.size()) text[at] = alphabet[next() % alphabet.size()]; break;
      }
    }
    auto p = parse_text(text);
    for (const auto& d : p.result.diagnostics) {
      INFO(text);
      CHECK_FALSE(d.code.empty());
      CHECK(d.span.file == 1);
      CHECK(d.span.begin.offset <= text.size());
      (void)flow::render_human(d, p.sources, false);
    }
  }
}

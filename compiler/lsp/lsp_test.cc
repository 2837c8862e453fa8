// The pieces of flowc lsp that are easy to get subtly wrong: UTF-16 columns, URIs, framing,
// and the compiler reading unsaved buffers.
// The server as a whole is tested over pipes by tests/lsp/lsp_test.py.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

#include "compiler/compile.h"
#include "compiler/lsp/framing.h"
#include "compiler/lsp/position.h"
#include "compiler/lsp/uri.h"

using flow::lsp::Encoding;

TEST_CASE("lsp positions: UTF-16 code units, never splitting a character") {
  // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units (a surrogate pair).
  const std::string line = "a\xC3\xA9\xF0\x9F\x98\x80z";
  CHECK(flow::lsp::units_in(line, Encoding::Utf16) == 5);
  CHECK(flow::lsp::units_in(line, Encoding::Utf8) == 8);
  CHECK(flow::lsp::bytes_for_units(line, 2, Encoding::Utf16) == 3);
  CHECK(flow::lsp::bytes_for_units(line, 3, Encoding::Utf16) == 3);  // inside the pair
  CHECK(flow::lsp::bytes_for_units(line, 4, Encoding::Utf16) == 7);
  CHECK(flow::lsp::bytes_for_units(line, 99, Encoding::Utf16) == 8);
  CHECK(flow::lsp::bytes_for_units(line, 2, Encoding::Utf8) == 1);  // inside "é": before it
}

TEST_CASE("lsp positions: to and from compiler positions, clamped") {
  flow::SourceFile f("x.flow", "ab\n\xF0\x9F\x98\x80xy\r\nlast");
  flow::SourcePos x{0, 2, 5};  // line 2, byte column 5: the `x`
  flow::lsp::Position p = flow::lsp::to_position(f, x, Encoding::Utf16);
  CHECK(p.line == 1);
  CHECK(p.character == 2);
  CHECK(flow::lsp::to_offset(f, p, Encoding::Utf16) == 7);
  CHECK(flow::lsp::to_offset(f, {1, 100}, Encoding::Utf16) == 9);   // end of line, before \r
  CHECK(flow::lsp::to_offset(f, {100, 0}, Encoding::Utf16) == f.text.size());
  CHECK(flow::lsp::to_position(f, {0, 0, 0}, Encoding::Utf16).line == 0);
}

TEST_CASE("lsp URIs: percent-encoding both ways, other schemes refused") {
  CHECK(flow::lsp::path_from_uri("file:///a%20b/c%C3%A9.flow") == "/a b/c\xC3\xA9.flow");
  CHECK(flow::lsp::path_from_uri("file:///a/./b/../c.flow") == "/a/c.flow");
  CHECK(flow::lsp::path_from_uri("untitled:Untitled-1").empty());
  CHECK(flow::lsp::path_from_uri("file:///bad%2").empty());
  CHECK(flow::lsp::path_from_uri("file:///nul%00").empty());
  CHECK(flow::lsp::uri_from_path("/a b/c\xC3\xA9.flow") == "file:///a%20b/c%C3%A9.flow");
}

TEST_CASE("lsp framing: Content-Length bodies, bad headers skipped, end of input") {
  std::string input =
      "Content-Length: 2\r\nContent-Type: x\r\n\r\n{}"
      "Content-Type: only\r\n\r\n"
      "content-length: 1x\r\n\r\n"
      "CONTENT-LENGTH:  3 \r\n\r\n[1]"
      "Content-Length: 10\r\n\r\n{";
  std::FILE* in = fmemopen(input.data(), input.size(), "r");
  REQUIRE(in);
  std::string body, error;
  CHECK(flow::lsp::read_message(in, &body, &error) == flow::lsp::ReadStatus::Message);
  CHECK(body == "{}");
  CHECK(flow::lsp::read_message(in, &body, &error) == flow::lsp::ReadStatus::BadHeader);
  CHECK(flow::lsp::read_message(in, &body, &error) == flow::lsp::ReadStatus::BadHeader);
  CHECK(flow::lsp::read_message(in, &body, &error) == flow::lsp::ReadStatus::Message);
  CHECK(body == "[1]");
  CHECK(flow::lsp::read_message(in, &body, &error) == flow::lsp::ReadStatus::End);
  std::fclose(in);
}

TEST_CASE("compile_file reads an overlay's text instead of the disk, imports and agent files too") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "flow_lsp_overlay_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "agents");
  std::string main = (dir / "main.flow").string();
  {
    // On disk the agent file is broken; no main.flow or lib.flow exists at all.
    std::FILE* f = std::fopen((dir / "agents" / "a.md").string().c_str(), "w");
    REQUIRE(f);
    std::fputs("---\nname: a\n---\n", f);
    std::fclose(f);
  }
  flow::SourceOverlay overlay = {
      {main, "use \"lib.flow\"\nstage s <\n  a;\n  b\n>\n"},
      {(dir / "lib.flow").string(), "agent a from \"agents/a.md\"\n"},
      {(dir / "agents" / "a.md").string(), "---\nname: a\ndescription: An agent\n---\nHi\n"},
  };
  flow::CompileOptions options;
  options.overlay = &overlay;
  flow::CompileResult r = flow::compile_file(main, options);
  REQUIRE_FALSE(r.io_error);
  // Only `b` is undeclared: the import and the fixed agent file came from the overlay.
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].code == "E0101");
  CHECK(r.diagnostics[0].message.find("`b`") != std::string::npos);
  options.overlay = nullptr;
  CHECK(flow::compile_file(main, options).io_error);  // without it, there is no main.flow
  fs::remove_all(dir);
}

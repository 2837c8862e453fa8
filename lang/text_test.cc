// String-literal processing and UTF-8 checks.
#include <catch2/catch.hpp>

#include "lang/text.h"

using flow::text::strip_indentation;

TEST_CASE("strip_indentation follows the documented rules") {
  // The newline right after the opening """ and the closing line are dropped.
  CHECK(strip_indentation("\n    a\n    b\n    ") == "a\nb");
  // Common indentation only; deeper lines keep the rest.
  CHECK(strip_indentation("\n  a\n    b\n  c\n") == "a\n  b\nc");
  // Blank lines do not count towards the common indentation and come out empty.
  CHECK(strip_indentation("\n    a\n\n  \n    b\n") == "a\n\n\nb");
  // Text on the opening line counts like any other line.
  CHECK(strip_indentation("one line") == "one line");
  CHECK(strip_indentation("  x\n  y") == "x\ny");
  // Tabs and spaces are compared as bytes, never equated.
  CHECK(strip_indentation("\n\ta\n  b\n") == "\ta\n  b");
  CHECK(strip_indentation("\n\t\ta\n\tb\n") == "\ta\nb");
  // CRLF line ends become LF.
  CHECK(strip_indentation("\r\n  a\r\n  b\r\n  ") == "a\nb");
  CHECK(strip_indentation("") == "");
  CHECK(strip_indentation("\n") == "");
}

TEST_CASE("append_utf8 encodes every length") {
  std::string s;
  flow::text::append_utf8(s, 0x41);
  flow::text::append_utf8(s, 0xE9);
  flow::text::append_utf8(s, 0x20AC);
  flow::text::append_utf8(s, 0x1F600);
  CHECK(s == "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST_CASE("encoding_errors reports the first bad byte of each line") {
  using flow::text::encoding_errors;
  CHECK(encoding_errors("plain\nascii").empty());
  CHECK(encoding_errors("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80").empty());
  CHECK(encoding_errors("a\xFF\xFE\nb\nc\x80") == std::vector<uint32_t>{1, 7});
  CHECK(encoding_errors(std::string("a\0b", 3)) == std::vector<uint32_t>{1});
}

TEST_CASE("encoding_errors finds a bad byte at any place in a long ASCII run") {
  // Runs of plain ASCII are read eight bytes at a time; a bad byte anywhere in or after such a
  // block must still be reported, and so must a second line's.
  for (char bad : {'\xFF', '\0', '\x80'}) {
    for (uint32_t at = 0; at < 40; ++at) {
      std::string s(40, 'x');
      s[at] = bad;
      s += "\nyyyyyyyyyyyyyyyyy";
      s += bad;
      INFO(at);
      CHECK(flow::text::encoding_errors(s) == std::vector<uint32_t>{at, 58});
    }
  }
}

TEST_CASE("utf8_boundary never points inside a character") {
  using flow::text::utf8_boundary;
  const std::string s = "a\xC3\xA9z\xF0\x9F\x98\x80";  // a, é, z, 😀
  CHECK(utf8_boundary(s, 0) == 0);
  CHECK(utf8_boundary(s, 1) == 1);
  CHECK(utf8_boundary(s, 2) == 1);  // inside é
  CHECK(utf8_boundary(s, 3) == 3);
  CHECK(utf8_boundary(s, 5) == 4);  // inside 😀
  CHECK(utf8_boundary(s, 7) == 4);
  CHECK(utf8_boundary(s, s.size()) == s.size());
  CHECK(utf8_boundary(s, 100) == 100);
}

#include "runtime/terminal/printable.h"

#include <catch2/catch.hpp>

using flow::rt::printable;

TEST_CASE("printable keeps ordinary text, newlines, tabs and UTF-8 byte for byte") {
  CHECK(printable("plain text\n\tindented — ünïcödé ✓ 😀\n") ==
        "plain text\n\tindented — ünïcödé ✓ 😀\n");
  CHECK(printable("") == "");
}

TEST_CASE("printable drops CSI sequences") {
  CHECK(printable("a\x1b[2Jb") == "ab");
  CHECK(printable("\x1b[1;31mred\x1b[0m") == "red");
  CHECK(printable("\x1b[?1049h\x1b[H") == "");
  CHECK(printable("up\x1b[3A") == "up");
  CHECK(printable("cut\x1b[12") == "cut");        // unterminated: dropped to the end
  CHECK(printable("x\x1b[1\ny") == "x\ny");        // a control byte ends a malformed one
}

TEST_CASE("printable drops OSC and other string sequences, BEL or ST terminated") {
  CHECK(printable("\x1b]0;pwned\x07title") == "title");
  CHECK(printable("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "link");
  CHECK(printable("\x1bPqdata\x1b\\after") == "after");
  CHECK(printable("\x1b_apc\x07|\x1b^pm\x07|\x1bXsos\x07") == "||");
  CHECK(printable("\x1b]0;never ends") == "");
}

TEST_CASE("printable drops the short ESC forms") {
  CHECK(printable("a\x1b" "7b\x1b" "8c") == "abc");  // save/restore cursor
  CHECK(printable("a\x1b(Bb") == "ab");               // character set
  CHECK(printable("a\x1b" "c") == "a");               // full reset
  CHECK(printable("end\x1b") == "end");
}

TEST_CASE("printable drops C0 controls but newline and tab, DEL, C1 and bidi controls") {
  CHECK(printable("a\rb\x07" "c\x08" "d\x1f" "e\x7f" "f\x0c" "g") == "abcdefg");
  CHECK(printable(std::string("nul\0byte", 8)) == "nulbyte");
  CHECK(printable("a\xc2\x9b" "2Jb") == "a2Jb");       // U+009B (8-bit CSI) dropped
  CHECK(printable("a\xc2\x85" "b") == "ab");            // U+0085
  CHECK(printable("x\xe2\x80\xae" "evil\xe2\x80\xac" "y") == "xevily");  // RLO ... PDF
  CHECK(printable("\xe2\x81\xa6iso\xe2\x81\xa9") == "iso");           // LRI ... PDI
  CHECK(printable("\xc2\xa0nbsp") == "\xc2\xa0nbsp");   // U+00A0 is not a control
}

TEST_CASE("printable replaces invalid UTF-8 with U+FFFD, one per byte") {
  CHECK(printable("caf\xe9!") == "caf\xef\xbf\xbd!");                   // latin-1 é
  CHECK(printable("\xff\xfe") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(printable("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");           // overlong
  CHECK(printable("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  CHECK(printable("tail\xe2\x82") == "tail\xef\xbf\xbd\xef\xbf\xbd");   // cut sequence
}

#include "runtime/terminal/terminal_text.h"

#include <catch2/catch.hpp>

using namespace flow::rt;

TEST_CASE("display width counts columns, not bytes") {
  CHECK(display_width("plan") == 4);
  CHECK(display_width("caf\xc3\xa9") == 4);                  // é: two bytes, one column
  CHECK(display_width("\xe6\x97\xa5\xe6\x9c\xac") == 4);     // 日本: two wide characters
  CHECK(display_width("e\xcc\x81") == 1);                    // e + combining acute
  CHECK(display_width("\xf0\x9f\x9a\x80") == 2);             // 🚀
  CHECK(display_width("") == 0);
}

TEST_CASE("fit_middle keeps the beginning and the end of a long name") {
  CHECK(fit_middle("backend-task-summarizer", 30) == "backend-task-summarizer");
  std::string cut = fit_middle("backend-new-functionality-agent", 15);
  CHECK(cut == "backend\xe2\x80\xa6y-agent");
  CHECK(display_width(cut) == 15);
  CHECK(fit_middle("abcdef", 3) == "a\xe2\x80\xa6" "f");
  CHECK(display_width(fit_middle("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87\xe5\xad\x97", 6)) <= 6);
}

TEST_CASE("fit_end cuts at the end, never inside a character") {
  CHECK(fit_end("short", 10) == "short");
  CHECK(fit_end("a long line of text", 8) == "a long \xe2\x80\xa6");
  std::string wide = fit_end("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4);  // 日本語 in 4 columns
  CHECK(wide == "\xe6\x97\xa5\xe2\x80\xa6");
  CHECK(fit_end("abc", 0).empty());
}

TEST_CASE("wrap_line breaks at spaces and indents what follows") {
  std::vector<std::string> lines = wrap_line("[   0.3s] FAIL  plan/gate: the work does not cover error handling", 30, 10);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "[   0.3s] FAIL  plan/gate: the");
  CHECK(lines[1] == "          work does not cover");
  CHECK(lines[2] == "          error handling");
  for (const std::string& l : lines) CHECK(display_width(l) <= 30);
}

TEST_CASE("wrap_line keeps a line's own indentation and cuts a word longer than a line") {
  std::vector<std::string> lines = wrap_line("  path: /a/very/long/path/without/spaces/at/all", 20, 4);
  CHECK(lines == std::vector<std::string>{"  path:", "    /a/very/long/pat", "    h/without/spaces",
                                          "    /at/all"});
  for (const std::string& l : lines) CHECK(display_width(l) <= 20);
  CHECK(wrap_line("", 20, 2) == std::vector<std::string>{""});
  CHECK(wrap_line("fits", 20, 2) == std::vector<std::string>{"fits"});
}

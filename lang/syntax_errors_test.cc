// Syntax errors as the user sees them, byte for byte, and the recovery that lets one run
// report every broken statement.
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "lang/parse_test_util.h"
#include "lang/syntax_errors.h"

using flow::testing::headlines;
using flow::testing::parse_text;
using flow::testing::rendered;

TEST_CASE("an unclosed block names where it was opened") {
  CHECK(rendered("stage a <\n  x;\n  y\nstage b y\n") ==
        "t.flow:3:4: error[E0010]: expected `>` to close the block opened at 1:9, found keyword "
        "`stage`\n"
        "  |\n"
        "3 |   y\n"
        "  |    ^\n"
        "--> t.flow:1:9\n"
        "  |\n"
        "1 | stage a <\n"
        "  |         - opened here\n"
        "  = help: separate the steps of a block with `;` and end it with `>`\n");
}

TEST_CASE("an unclosed block at the end of the file") {
  CHECK(headlines("stage a parallel < x; y  # no end\n\n") ==
        "t.flow:1:24: error[E0010]: expected `>` to close the block opened at 1:18, found end "
        "of file\n");
}

TEST_CASE("a missing separator inside a block") {
  CHECK(rendered("stage a < x y >") ==
        "t.flow:1:13: error[E0010]: expected `>` to close the block opened at 1:9, found `y`\n"
        "  |\n"
        "1 | stage a < x y >\n"
        "  |             ^\n"
        "--> t.flow:1:9\n"
        "  |\n"
        "1 | stage a < x y >\n"
        "  |         - opened here\n"
        "  = help: separate the steps of a block with `;` and end it with `>`\n");
}

TEST_CASE("an unclosed string and an unclosed multi-line string") {
  CHECK(rendered("flow f \"abc\nstage s a\n") ==
        "t.flow:1:12: error[E0006]: expected `\"` to close the string opened at 1:8, found end "
        "of line\n"
        "  |\n"
        "1 | flow f \"abc\n"
        "  |            ^\n"
        "--> t.flow:1:8\n"
        "  |\n"
        "1 | flow f \"abc\n"
        "  |        - opened here\n"
        "  = help: a \"...\" string must end on the line it starts; use `\"\"\"` for several "
        "lines\n");
  CHECK(rendered("agent a < prompt \"\"\"\n  text\n") ==
        "t.flow:2:7: error[E0009]: expected `\"\"\"` to close the string opened at 1:18, found "
        "end of file\n"
        "  |\n"
        "2 |   text\n"
        "  |       ^\n"
        "--> t.flow:1:18\n"
        "  |\n"
        "1 | agent a < prompt \"\"\"\n"
        "  |                  --- opened here\n"
        "  = help: end the multi-line string with `\"\"\"`\n");
}

TEST_CASE("a keyword where a name belongs") {
  CHECK(rendered("agent stage < >") ==
        "t.flow:1:7: error[E0003]: expected an agent name after `agent`, found keyword `stage`\n"
        "  |\n"
        "1 | agent stage < >\n"
        "  |       ^^^^^\n"
        "  = help: `stage` is reserved and cannot be used as a name\n");
}

TEST_CASE("a missing name is reported after the keyword, not on the next line") {
  CHECK(rendered("flow   # name forgotten\ninput x: text\n") ==
        "t.flow:1:5: error[E0003]: expected a flow name after `flow`, found keyword `input`\n"
        "  |\n"
        "1 | flow   # name forgotten\n"
        "  |     ^\n"
        "  = help: write `flow NAME \"description\"`\n");
}

TEST_CASE("names, numbers and escapes are shown whole") {
  CHECK(rendered("stage s code-review-") ==
        "t.flow:1:9: error[E0004]: name `code-review-` ends with `-`\n"
        "  |\n"
        "1 | stage s code-review-\n"
        "  |         ^^^^^^^^^^^^\n"
        "  = help: names may contain `-` between letters or digits, as in `code-review`\n");
  CHECK(headlines("rule at most 1234567890 calls") ==
        "t.flow:1:14: error[E0013]: number `1234567890` has more than 9 digits\n");
  CHECK(headlines("rule at most 2.5 calls") ==
        "t.flow:1:18: error[E0014]: expected `dollars` after an amount with a decimal point, "
        "found `calls`\n");
  CHECK(headlines("rule at most 2. dollars") ==
        "t.flow:1:16: error[E0012]: expected digits after the decimal point, found a space\n");
  CHECK(headlines("rule at most 0.1234567 dollars") ==
        "t.flow:1:16: error[E0013]: amount `1234567` has more than 6 decimals\n");
  CHECK(headlines("rule at most 5 bucks") ==
        "t.flow:1:16: error[E0014]: expected `calls`, `tokens` or `dollars` after the number, "
        "found `bucks`\n");
  CHECK(headlines("stage s a \"x\\q\"") ==
        "t.flow:1:14: error[E0007]: unknown escape sequence `\\q`\n");
  CHECK(headlines("stage s a \"\\u{D800}\"") ==
        "t.flow:1:12: error[E0008]: `\\u{D800}` is not a Unicode scalar value\n");
  CHECK(headlines("stage s a \"\\u{110000}\"") ==
        "t.flow:1:12: error[E0008]: `\\u{110000}` is not a Unicode scalar value\n");
  CHECK(headlines("stage s a \"\\u{12\"") ==
        "t.flow:1:17: error[E0008]: expected `}` to end the `\\u{...}` escape, found `\"`\n");
  CHECK(headlines("stage s a \"\\u{}\"") ==
        "t.flow:1:15: error[E0008]: expected 1 to 6 hex digits in `\\u{...}`, found `}`\n");
}

TEST_CASE("a second step after a stage's step gets a hint about blocks") {
  CHECK(rendered("stage plan planner critic\n") ==
        "t.flow:1:20: error[E0002]: expected a statement, found `critic`\n"
        "  |\n"
        "1 | stage plan planner critic\n"
        "  |                    ^^^^^^\n"
        "  = help: a stage runs one step; to run several, put them in a block: `< a; b >` or "
        "`parallel < a; b >`\n");
  // On the next line it is just a stray word.
  CHECK(rendered("stage plan planner\ncritic\n").find("help: statements start with") !=
        std::string::npos);
}

TEST_CASE("a semicolon where a step belongs") {
  CHECK(headlines("stage a < ; >") == "t.flow:1:11: error[E0020]: expected a step, found `;`\n");
  CHECK(headlines("stage a < x; ; y >") ==
        "t.flow:1:14: error[E0020]: expected a step, found `;`\n");
  CHECK(parse_text("stage a < x; y; >").errors() == 0);
  CHECK(parse_text("stage a < >").errors() == 0);
}

TEST_CASE("agent field errors") {
  CHECK(rendered("agent r < model x; model y >") ==
        "t.flow:1:20: error[E0019]: field `model` is given twice in this agent\n"
        "  |\n"
        "1 | agent r < model x; model y >\n"
        "  |                    ^^^^^\n"
        "  = help: give each field at most once\n");
  CHECK(headlines("agent q < modle x >") == "t.flow:1:11: error[E0018]: unknown agent field `modle`\n");
  CHECK(headlines("agent q model x") ==
        "t.flow:1:9: error[E0017]: expected `<` or `from` after the agent name, found `model`\n");
}

TEST_CASE("the flow header: first, and only once") {
  CHECK(rendered("flow a\nflow b\n") ==
        "t.flow:2:1: error[E0023]: more than one `flow` header\n"
        "  |\n"
        "2 | flow b\n"
        "  | ^^^^\n"
        "--> t.flow:1:1\n"
        "  |\n"
        "1 | flow a\n"
        "  | ------ the first one is here\n"
        "  = help: a file has at most one `flow` header; remove this one\n");
  CHECK(headlines("stage s a\nflow late\n") ==
        "t.flow:2:1: error[E0023]: the `flow` header must come first\n");
}

TEST_CASE("one error per broken statement, the good ones are kept") {
  auto p = parse_text(
      "agent a < model sonnet >\n"
      "stage one a review\n"        // missing reviewer
      "stage two a\n"
      "input x text\n"              // missing colon
      "  # a comment between\n"
      "agent b < tools >\n"         // missing tool
      "stage three < a; b >\n"
      "rule at most calls\n");      // missing number
  CHECK(headlines(
            "agent a < model sonnet >\n"
            "stage one a review\n"
            "stage two a\n"
            "input x text\n"
            "  # a comment between\n"
            "agent b < tools >\n"
            "stage three < a; b >\n"
            "rule at most calls\n") ==
        "t.flow:2:19: error[E0003]: expected a reviewing agent after `review`, found keyword "
        "`stage`\n"
        "t.flow:4:9: error[E0014]: expected `:` after the input name, found `text`\n"
        "t.flow:6:17: error[E0003]: expected a tool name, found `>`\n"
        "t.flow:8:14: error[E0012]: expected a number after `at most`, found `calls`\n");
  REQUIRE(p.file().agents.size() == 1);
  CHECK(p.file().agents[0].name.name == "a");
  REQUIRE(p.file().stages.size() == 2);
  CHECK(p.file().stages[0].name.name == "two");
  CHECK(p.file().stages[1].name.name == "three");
  CHECK(p.file().inputs.empty());
  CHECK(p.file().rules.empty());
}

TEST_CASE("recovery skips lines that do not start with a statement keyword") {
  CHECK(headlines("stage s < a;\n  b c;\n  d\n>\nstage t x\nnonsense here\n  stage u y\n") ==
        "t.flow:2:5: error[E0010]: expected `>` to close the block opened at 1:9, found `c`\n"
        "t.flow:6:1: error[E0002]: expected a statement, found `nonsense`\n");
  auto p = parse_text("stage s < a;\n  b c;\n  d\n>\nstage t x\nnonsense here\n  stage u y\n");
  REQUIRE(p.file().stages.size() == 2);
  CHECK(p.file().stages[0].name.name == "t");
  CHECK(p.file().stages[1].name.name == "u");
}

TEST_CASE("every code has a kind, a message, and unique titles") {
  const auto& kinds = flow::syntax_error_kinds();
  REQUIRE(kinds.size() == 24);
  std::set<std::string_view> codes;
  for (size_t i = 0; i < kinds.size(); ++i) {
    INFO(kinds[i].code);
    CHECK(kinds[i].code == fmt::format("E{:04}", i + 1));
    CHECK_FALSE(kinds[i].title.empty());
    CHECK(kinds[i].explanation.find("Wrong") != std::string_view::npos);
    CHECK(kinds[i].explanation.find("Right") != std::string_view::npos);
    codes.insert(kinds[i].code);
  }
  CHECK(codes.size() == kinds.size());
  CHECK(flow::syntax::error_message<flow::grammar::block_close>.code == "E0010");
}

TEST_CASE("recovery does not mistake the lines of a prompt for statements") {
  const std::string text =
      "agent a < modle x; prompt \"\"\"\n"
      "  use the tools you have\n"
      "  stage by stage\n"
      "  \"\"\" >\n"
      "agent b < prompt \"# not a comment\n"   // unclosed: recovery restarts on the next line
      "stage s a\n";
  CHECK(headlines(text) ==
        "t.flow:1:11: error[E0018]: unknown agent field `modle`\n"
        "t.flow:5:34: error[E0006]: expected `\"` to close the string opened at 5:18, found end "
        "of line\n");
  auto p = parse_text(text);
  REQUIRE(p.file().stages.size() == 1);
  CHECK(p.file().stages[0].name.name == "s");
}

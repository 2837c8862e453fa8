// flowc fmt's layout (docs/language.md, "Layout"): each rule, comments and """ strings kept,
// odd input (CRLF, tabs, no final newline, Unicode, empty), and refusal of broken files.
#include <algorithm>

#include <catch2/catch.hpp>

#include "lang/format.h"
#include "lang/parse_test_util.h"

namespace {

std::string fmt_ok(const std::string& text) {
  std::string out, error;
  bool ok = flow::format_source(text, "t.flow", &out, &error);
  INFO(error);
  REQUIRE(ok);
  std::string again;
  REQUIRE(flow::format_source(out, "t.flow", &again, &error));
  CHECK(again == out);  // formatting a formatted file changes nothing
  return out;
}

// CPU seconds to format `text`, the best of five runs.
double seconds_to_format(const std::string& text) {
  double best = 1e9;
  for (int run = 0; run < 5; ++run) {
    std::string out, error;
    double start = flow::testing::thread_cpu_seconds();
    REQUIRE(flow::format_source(text, "t.flow", &out, &error));
    best = std::min(best, flow::testing::thread_cpu_seconds() - start);
  }
  return best;
}

}  // namespace

TEST_CASE("format: spaces between tokens are normalised") {
  CHECK(fmt_ok("flow   x    \"d\"\ninput  a :text=  [ \"p\" ,\"q\" , ]  \"doc\"\n") ==
        "flow x \"d\"\ninput a: text = [\"p\", \"q\",] \"doc\"\n");
  CHECK(fmt_ok("agent a<model sonnet;tools [ ]>\nstage s when  m!=\"x\" a\n") ==
        "agent a < model sonnet; tools [] >\nstage s when m != \"x\" a\n");
  CHECK(fmt_ok("use std/policies\nstage s parallel<a;b>review   each c  retries 2\n") ==
        "use std/policies\nstage s parallel < a; b > review each c retries 2\n");
}

TEST_CASE("format: blocks are indented two spaces, closers line up with their opener") {
  CHECK(fmt_ok("agent a <\n      description \"d\"\n\tmodel sonnet\n        >\n") ==
        "agent a <\n  description \"d\"\n  model sonnet\n>\n");
  CHECK(fmt_ok("stage s <\na;\n    parallel <\nb;\n c\n      > review each r;\nd\n>\n") ==
        "stage s <\n  a;\n  parallel <\n    b;\n    c\n  > review each r;\n  d\n>\n");
}

TEST_CASE("format: a continuation line is indented two more than where its part began") {
  // The stage's step starts on a line of its own; that step's gates are continued under it.
  CHECK(fmt_ok("stage requirements\nsummarizer\nreview critic\n  retries 2\n") ==
        "stage requirements\n  summarizer\n    review critic\n    retries 2\n");
  CHECK(fmt_ok("stage v run \"x\" as v\n      check \"y\" retries 1\n") ==
        "stage v run \"x\" as v\n  check \"y\" retries 1\n");
  CHECK(fmt_ok("stage s <\n a\n\"focus\"\n as b review r;\n c\n>\n") ==
        "stage s <\n  a\n    \"focus\"\n    as b review r;\n  c\n>\n");
  CHECK(fmt_ok("agent a <\n tools Read,\nGrep\n>\n") == "agent a <\n  tools Read,\n    Grep\n>\n");
}

TEST_CASE("format: lines inside a bracket that does not end its line line up after it") {
  CHECK(fmt_ok("input d: list = [\"a\", \"b\",\n \"c\"]\n\"doc\"\n") ==
        "input d: list = [\"a\", \"b\",\n                 \"c\"]\n  \"doc\"\n");
  CHECK(fmt_ok("agent r < description \"d\"; tools Read\nprompt \"p\" >\n") ==
        "agent r < description \"d\"; tools Read\n          prompt \"p\" >\n");
  // a continuation inside such a bracket is indented from where its lines line up
  CHECK(fmt_ok("agent r < tools Read,\nGrep\nprompt \"p\" >\n") ==
        "agent r < tools Read,\n            Grep\n          prompt \"p\" >\n");
  CHECK(fmt_ok("input d: list = [\n\"a\",\n\"b\"\n  ]\n") ==
        "input d: list = [\n  \"a\",\n  \"b\"\n]\n");
}

TEST_CASE("format: blank lines") {
  // Runs collapse to one; none at the start or end of the file, after an opening bracket or
  // before a closing one.
  CHECK(fmt_ok("\n\n\nflow x\n\n\n\nstage s <\n\n a;\n\n\n b\n\n>\n\n\n") ==
        "flow x\n\nstage s <\n  a;\n\n  b\n>\n");
}

TEST_CASE("format: comments are kept") {
  // own-line comments take the indentation of the code line after them
  CHECK(fmt_ok("# head\n\n  # about a\nagent a <\n      # inside\n model m  # eol\n  # last\n>\n"
               "# end of file") ==
        "# head\n\n# about a\nagent a <\n  # inside\n  model m # eol\n  # last\n>\n"
        "# end of file\n");
  // an end-of-line comment keeps its column when the code leaves room, so aligned comments
  // stay aligned; otherwise one space separates it from the code
  CHECK(fmt_ok("agent a <\n    model sonnet   # m\n    tools Read     # t\n>\n") ==
        "agent a <\n  model sonnet     # m\n  tools Read       # t\n>\n");
  CHECK(fmt_ok("stage s a       review     r#x   \n") == "stage s a review r          #x\n");
  CHECK(fmt_ok("stage s a review  r#x\n") == "stage s a review r #x\n");
  // inside a block, at its end, and a comment after a statement is not part of it
  CHECK(fmt_ok("stage s <\n a; # one\n # two\n b\n # three\n>\n# four\nstage t c\n") ==
        "stage s <\n  a; # one\n  # two\n  b\n  # three\n>\n# four\nstage t c\n");
}

TEST_CASE("format: \"\"\" strings are kept byte for byte") {
  std::string text =
      "agent a <\n      prompt \"\"\"\n   Line one,\n\t  line two.  \n\n        \"\"\"\n>\n";
  CHECK(fmt_ok(text) ==
        "agent a <\n  prompt \"\"\"\n   Line one,\n\t  line two.  \n\n        \"\"\"\n>\n");
  CHECK(fmt_ok("agent a < prompt \"\"\"x # not a comment\n  \"\"\" >\n") ==
        "agent a < prompt \"\"\"x # not a comment\n  \"\"\" >\n");
}

TEST_CASE("format: line ends, tabs, no final newline, Unicode, empty input") {
  CHECK(fmt_ok("flow x\r\n\r\nstage s <\r\n\ta; # c\r\n\tb\r\n>\r\n") ==
        "flow x\n\nstage s <\n  a;       # c\n  b\n>\n");
  CHECK(fmt_ok("agent a < prompt \"\"\"\r\n  x\r\n  \"\"\" >\r\n") ==
        "agent a < prompt \"\"\"\n  x\n  \"\"\" >\n");
  CHECK(fmt_ok("flow\tx\t\"d\"") == "flow x \"d\"\n");
  CHECK(fmt_ok("stage s\ta\t\"tab\there\"") == "stage s a \"tab\there\"\n");
  // Columns count characters, not bytes: the comment stays under the one above.
  CHECK(fmt_ok("stage s a \"é€\"  # one\nstage t b \"ab\"   # two\n") ==
        "stage s a \"é€\"  # one\nstage t b \"ab\"   # two\n");
  CHECK(fmt_ok("flow x \"naïve ✓\" # ünïcode\n") == "flow x \"naïve ✓\" # ünïcode\n");
  CHECK(fmt_ok("") == "");
  CHECK(fmt_ok(" \n\t\n\n") == "");
  CHECK(fmt_ok("\xEF\xBB\xBF" "flow x\n") == "\xEF\xBB\xBF" "flow x\n");
}

TEST_CASE("format: a file with a syntax error is refused") {
  std::string out = "untouched", error;
  CHECK_FALSE(flow::format_source("flow x\nstage s <\n  a\n", "bad.flow", &out, &error));
  CHECK(out == "untouched");
  CHECK(error.rfind("bad.flow:", 0) == 0);
  CHECK(error.find("error[E0010]") != std::string::npos);
  CHECK_FALSE(flow::format_source("stage s a \"x\\q\"\n", "b.flow", &out, &error));
  CHECK(error == "b.flow:1:14: error[E0007]: unknown escape sequence `\\q`");
  CHECK_FALSE(flow::format_source(std::string("flow x\0", 7), "n.flow", &out, &error));
  CHECK(error.rfind("n.flow:1:7: error[E0001]", 0) == 0);
  CHECK(out == "untouched");
}

// As lang/robustness_test.cc measures the parser: no absolute limit, only the growth from n to
// 8n units (linear near 8, quadratic near 64), three times over before it counts.
TEST_CASE("format: time grows linearly with the length of a line") {
  auto make = [](size_t n) {
    std::string text = "stage s <";
    for (size_t i = 0; i < n; ++i) text += " < a > ;";
    return text + " b >  # a comment at the end\n";
  };
  bool linear = false;
  for (int attempt = 0; attempt < 3 && !linear; ++attempt) {
    double small = seconds_to_format(make(2000)), large = seconds_to_format(make(16000));
    UNSCOPED_INFO("2000 blocks: " << small << " s; 16000: " << large << " s");
    linear = large < 32 * std::max(small, 1e-4);
  }
  CHECK(linear);
}

#include "runtime/terminal/ask.h"

#include <catch2/catch.hpp>

#include "runtime/terminal/terminal_text.h"

using namespace flow::rt;

TEST_CASE("a question shows the work it is about, the keys and the other way to answer") {
  WaitSpec where{"20261207-1", "/runs/20261207-1", "plan/gate", "gate", "plan", ""};
  std::string work = "# Plan\n\n1. one\n2. two\n3. three\n4. four\n5. five\n6. six\n7. seven\n";
  Question q{"Does this plan look right?", {{"plan", "/runs/20261207-1/steps/plan.a1.output.md", work}}, true};
  std::string shown = render_question(q, where, 79);
  CHECK(shown ==
        "\n"
        "? Does this plan look right?\n"
        "  about plan:\n"
        "    /runs/20261207-1/steps/plan.a1.output.md\n"
        "  \xe2\x94\x82 # Plan\n"
        "  \xe2\x94\x82 1. one\n"
        "  \xe2\x94\x82 2. two\n"
        "  \xe2\x94\x82 3. three\n"
        "  \xe2\x94\x82 4. four\n"
        "  \xe2\x94\x82 5. five\n"
        "  \xe2\x94\x82 ... and 2 more lines (flow show 20261207-1 plan)\n"
        "  y approves; n (or Enter) sends it back, and you say what should change\n"
        "  or from another shell: flow approve 20261207-1 plan/gate\n");
}

TEST_CASE("a question fits a narrow window and shows agent text only as printable text") {
  WaitSpec where{"r1", "/runs/r1", "approve", "step", "go-ahead", ""};
  Question q{"Start building now, after the plan was reviewed and the research came back?",
             {{"plan", "", "caf\xe9 \x1b]0;title\x07\x1b[2Jdone and a very long line that goes on and on"}},
             false};
  std::string shown = render_question(q, where, 40);
  CHECK(shown.find('\x1b') == std::string::npos);
  CHECK(shown.find("(no output)") != std::string::npos);
  CHECK(shown.find("refuses,") != std::string::npos);
  size_t from = 0;
  while (from < shown.size()) {
    size_t nl = shown.find('\n', from);
    CHECK(display_width(shown.substr(from, nl - from)) <= 40);
    from = nl + 1;
  }
}

#include "runtime/engine/verdict.h"

#include <catch2/catch.hpp>

using flow::rt::parse_verdict;

TEST_CASE("a PASS line passes and is removed from the feedback") {
  auto v = parse_verdict("Looks good.\nVERDICT: PASS\n");
  CHECK(v.found);
  CHECK(v.pass);
  CHECK(v.feedback == "Looks good.");
  CHECK(v.reason.empty());
}

TEST_CASE("a FAIL line fails with the rest as feedback") {
  auto v = parse_verdict("VERDICT: FAIL\nThe plan has no tests.\nAdd a test section.");
  CHECK(v.found);
  CHECK_FALSE(v.pass);
  CHECK(v.feedback == "The plan has no tests.\nAdd a test section.");
}

TEST_CASE("the last verdict line wins") {
  CHECK(parse_verdict("VERDICT: FAIL\nfixed later\nVERDICT: PASS").pass);
  CHECK_FALSE(parse_verdict("VERDICT: PASS\nbut then\nVERDICT: FAIL").pass);
}

TEST_CASE("spaces, tabs and CRLF around the verdict are tolerated") {
  CHECK(parse_verdict("  VERDICT:\tPASS  \r\n").pass);
  CHECK(parse_verdict("VERDICT:PASS").pass);
}

TEST_CASE("a missing or garbled verdict is never a pass") {
  for (const char* answer :
       {"", "All good!", "VERDICT: pass", "Verdict: PASS", "VERDICT: PASSED", "VERDICT: PASS.",
        "The VERDICT: PASS line", "VERDICT:", "VERDICT: MAYBE", "VERDICT: PASSED?",
        "VERDICT: maybe", "**VERDICT: PASS*", "**VERDICT: PASS__", "*VERDICT:* *PASS",
        "`VERDICT: PASS", "VERDICT: `PASS`**", "**VERDICT**: PASS", "VERDICT: P**ASS",
        "## VERDICT: PASS ##", "#VERDICT: PASS", "-VERDICT: PASS", "> VERDICT: PASS >",
        "####### VERDICT: PASS", "1. VERDICT: PASS", "VERDICT: PASS FAIL"}) {
    INFO(answer);
    auto v = parse_verdict(answer);
    CHECK_FALSE(v.pass);
    CHECK_FALSE(v.found);
    CHECK(v.reason == "no verdict line (expected \"VERDICT: PASS\" or \"VERDICT: FAIL\")");
  }
}

TEST_CASE("without a verdict the whole answer is the feedback") {
  auto v = parse_verdict("\n  I could not decide.\n");
  CHECK(v.feedback == "I could not decide.");
}

TEST_CASE("markdown decoration around the verdict line is accepted") {
  struct Case {
    const char* answer;
    bool pass;
  };
  for (Case c : {Case{"**VERDICT: PASS**", true}, Case{"`VERDICT: PASS`", true},
                 Case{"> VERDICT: FAIL", false}, Case{"## VERDICT: PASS", true},
                 Case{"- VERDICT: FAIL", false}, Case{"__VERDICT: PASS__", true},
                 Case{"*VERDICT: FAIL*", false}, Case{"_VERDICT: PASS_", true},
                 Case{"**VERDICT:** PASS", true}, Case{"VERDICT: **FAIL**", false},
                 Case{"**VERDICT:** `PASS`", true}, Case{"**`VERDICT: PASS`**", true},
                 Case{"> > **VERDICT: FAIL**", false}, Case{"* **VERDICT: PASS**", true},
                 Case{"+ VERDICT: PASS", true}, Case{"###### VERDICT:\tFAIL", false},
                 Case{">VERDICT: PASS", true}, Case{"> - **VERDICT: FAIL**", false}, Case{"  -\t`VERDICT: FAIL`  \r", false}}) {
    INFO(c.answer);
    auto v = parse_verdict(std::string("Some feedback.\n") + c.answer + "\n");
    CHECK(v.found);
    CHECK(v.pass == c.pass);
    CHECK(v.feedback == "Some feedback.");
    CHECK(v.reason.empty());
  }
}

TEST_CASE("a decorated verdict line is removed whole from the feedback") {
  auto v = parse_verdict("## Review\n\n- Tests are missing.\n\n**VERDICT: FAIL**\nAdd tests.\n");
  CHECK(v.found);
  CHECK_FALSE(v.pass);
  CHECK(v.feedback == "## Review\n\n- Tests are missing.\n\nAdd tests.");
}

#pragma once
// A reviewer's answer turned into a decision. The format is documented in docs/runtime.md
// ("Verdicts"): the last line that reads `VERDICT: PASS` or `VERDICT: FAIL` (spaces and tabs
// around it, and markdown quote, heading, list and emphasis decoration allowed) decides;
// anything else is a FAIL, never a pass.
#include <string>

namespace flow::rt {

struct Verdict {
  bool pass = false;
  bool found = false;    // false: no verdict line at all (pass is then false)
  std::string feedback;  // the answer without the deciding line, trimmed
  std::string reason;    // why it failed when there was no verdict line; "" otherwise
};

Verdict parse_verdict(const std::string& answer);

}  // namespace flow::rt

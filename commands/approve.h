#pragma once
// `flow approve RUN STEP` and `flow reject RUN STEP --feedback TEXT`: answer an approval that a
// run without a terminal waits for (approvals.h). They print and return the exit code.
#include <string>

namespace flow::rt {

struct AnswerRequest {
  std::string run_root = ".flow/runs";
  std::string run;   // id, or `last`
  std::string step;
  bool approve = true;
  std::string text;  // approve: --comment; reject: --feedback
};

int answer_command(const AnswerRequest& request);

}  // namespace flow::rt

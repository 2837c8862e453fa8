#pragma once
// The IR's JSON form (docs/ir.md). Writing is deterministic: the same Flow always gives the
// same bytes. Reading validates shape and version and reports what is wrong instead of throwing.
#include <string>

#include "ir/ir.h"

namespace flow::ir {

std::string to_json_text(const Flow& flow);  // pretty-printed, ends with a newline

struct ReadResult {
  bool ok = false;
  Flow flow;
  std::string error;  // when !ok: what is wrong and where (a JSON pointer)
};
ReadResult from_json_text(const std::string& text);

}  // namespace flow::ir

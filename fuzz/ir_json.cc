// Fuzz target: IR JSON as `flow run FILE.json` and `flow resume` read it — shape, then
// consistency. An IR that validates must write back as JSON that reads and validates again,
// giving the same bytes (docs/ir.md: writing is deterministic).
#include <string>

#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "fuzz/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flow::ir::ReadResult r =
      flow::ir::from_json_text(std::string(reinterpret_cast<const char*>(data), size));
  std::string problem;
  if (!r.ok || !flow::ir::validate(r.flow, &problem)) return 0;
  std::string text = flow::ir::to_json_text(r.flow);
  flow::ir::ReadResult back = flow::ir::from_json_text(text);
  if (!back.ok) fuzz_fail(("a valid IR written back does not read: " + back.error).c_str());
  if (!flow::ir::validate(back.flow, &problem))
    fuzz_fail(("a valid IR written back does not validate: " + problem).c_str());
  if (flow::ir::to_json_text(back.flow) != text) fuzz_fail("a valid IR read back writes other bytes");
  return 0;
}

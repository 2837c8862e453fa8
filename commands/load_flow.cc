// Reading what `flow run` is given: compiled IR (.json), or any other file through the
// compiler the executable passes in (runtime/front/): the runtime library itself reads IR only.
#include <cstdio>

#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "runtime/terminal/printable.h"
#include "commands/run.h"
#include "runtime/store/run_store.h"

namespace flow::rt {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Messages quote names and values from IR files, inputs and configs: printable only.
void print_error(const std::string& text) { std::fprintf(stderr, "flow: %s\n", printable(text).c_str()); }

std::optional<ir::Flow> load_ir_file(const std::string& path, std::string* ir_text) {
  std::string text;
  if (!read_file(path, &text)) {
    print_error("cannot read " + path);
    return std::nullopt;
  }
  ir::ReadResult r = ir::from_json_text(text);
  std::string problem;
  if (!r.ok || !ir::validate(r.flow, &problem)) {
    print_error(path + ": not a usable IR file: " + (r.ok ? problem : r.error));
    return std::nullopt;
  }
  if (ir_text) *ir_text = std::move(text);
  return std::move(r.flow);
}

}  // namespace

std::optional<ir::Flow> load_flow(const std::string& path, std::string* ir_text,
                                  CompileSource compile) {
  if (ends_with(path, ".json")) return load_ir_file(path, ir_text);
  if (compile) return compile(path, ir_text);
  print_error(path + ": this build of flow cannot compile .flow files; compile it with "
        "`flowc compile` and run the IR .json file");
  return std::nullopt;
}

}  // namespace flow::rt

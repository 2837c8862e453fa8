// Reading what `flow run` is given: compiled IR (.json), or a .flow file compiled on the spot
// when the compiler is linked in.
#include <unistd.h>

#include <cstdio>

#include "compiler/ir_json.h"
#include "runtime/run.h"
#include "runtime/run_store.h"

#ifdef FLOW_HAVE_COMPILER
#include "compiler/compile.h"
#endif

namespace flow::rt {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void error(const std::string& text) { std::fprintf(stderr, "flow: %s\n", text.c_str()); }

}  // namespace

std::optional<ir::Flow> load_flow(const std::string& path, std::string* ir_text) {
  if (ends_with(path, ".json")) {
    std::string text;
    if (!read_file(path, &text)) {
      error("cannot read " + path);
      return std::nullopt;
    }
    ir::ReadResult r = ir::from_json_text(text);
    if (!r.ok) {
      error(path + ": not a usable IR file: " + r.error);
      return std::nullopt;
    }
    if (ir_text) *ir_text = std::move(text);
    return std::move(r.flow);
  }
#ifdef FLOW_HAVE_COMPILER
  CompileOptions options;
  options.search_path = flow_path_from_env();
  CompileResult r = compile_file(path, options);
  if (r.io_error) {
    error(r.io_message.empty() ? "cannot read " + path : r.io_message);
    return std::nullopt;
  }
  bool color = isatty(2);
  for (const Diagnostic& d : r.diagnostics) std::fputs(render_human(d, r.sources, color).c_str(), stderr);
  if (!r.flow) return std::nullopt;
  if (ir_text) *ir_text = ir::to_json_text(*r.flow);
  return std::move(*r.flow);
#else
  error(path + ": this build of flow cannot compile .flow files; compile it with "
        "`flowc compile` and run the IR .json file");
  return std::nullopt;
#endif
}

}  // namespace flow::rt

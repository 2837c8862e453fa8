// Reading what `flow run` is given: compiled IR (.json), or a .flow file compiled on the spot
// when the compiler is linked in.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "compiler/ir_json.h"
#include "compiler/ir_validate.h"
#include "runtime/printable.h"
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

// Messages quote names and values from IR files, inputs and configs: printable only.
void error(const std::string& text) { std::fprintf(stderr, "flow: %s\n", printable(text).c_str()); }

}  // namespace

std::optional<ir::Flow> load_flow(const std::string& path, std::string* ir_text) {
  if (ends_with(path, ".json")) {
    std::string text;
    if (!read_file(path, &text)) {
      error("cannot read " + path);
      return std::nullopt;
    }
    ir::ReadResult r = ir::from_json_text(text);
    std::string problem;
    if (!r.ok || !ir::validate(r.flow, &problem)) {
      error(path + ": not a usable IR file: " + (r.ok ? problem : r.error));
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
  std::string problem;
  if (!ir::validate(*r.flow, &problem)) {  // the compiler's own guarantee, checked like any IR
    error(path + ": the compiled flow is inconsistent (a bug in flowc): " + problem);
    return std::nullopt;
  }
  if (ir_text) {
    try {
      *ir_text = ir::to_json_text(*r.flow);
    } catch (const std::exception&) {  // JSON holds only UTF-8; names come from paths too
      error(path + ": cannot record the compiled flow as JSON: a file name in it is not UTF-8; "
            "rename the file or directory");
      return std::nullopt;
    }
  }
  return std::move(*r.flow);
#else
  error(path + ": this build of flow cannot compile .flow files; compile it with "
        "`flowc compile` and run the IR .json file");
  return std::nullopt;
#endif
}

}  // namespace flow::rt

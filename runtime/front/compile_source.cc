#include "runtime/front/compile_source.h"

#include <unistd.h>

#include <cstdio>
#include <exception>

#include "compiler/compile.h"
#include "ir/ir_json.h"
#include "ir/ir_validate.h"
#include "lang/diagnostic.h"
#include "runtime/terminal/output_style.h"
#include "runtime/terminal/printable.h"

namespace flow::front {
namespace {

// Messages quote file names and compiler output: printable only.
void error(const std::string& text) {
  std::fprintf(stderr, "flow: %s\n", rt::printable(text).c_str());
}

// The IR as the run store records it. JSON holds only UTF-8, and names come from paths too.
bool record_as_json(const std::string& path, const ir::Flow& flow, std::string* ir_text) {
  try {
    *ir_text = ir::to_json_text(flow);
    return true;
  } catch (const std::exception&) {
    error(path + ": cannot record the compiled flow as JSON: a file name in it is not UTF-8; "
          "rename the file or directory");
    return false;
  }
}

}  // namespace

std::optional<ir::Flow> compile_source(const std::string& path, std::string* ir_text) {
  CompileOptions options;
  options.search_path = flow_path_from_env();
  CompileResult r = compile_file(path, options);
  if (r.io_error) {
    error(r.io_message.empty() ? "cannot read " + path : r.io_message);
    return std::nullopt;
  }
  bool color = rt::color_on(STDERR_FILENO);
  for (const Diagnostic& d : r.diagnostics)
    if (!rt::output_style().quiet || d.severity == Severity::Error)  // -q: errors only
      std::fputs(render_human(d, r.sources, color).c_str(), stderr);
  if (!r.flow) return std::nullopt;
  std::string problem;
  if (!ir::validate(*r.flow, &problem)) {  // the compiler's own guarantee, checked like any IR
    error(path + ": the compiled flow is inconsistent (a bug in flowc): " + problem);
    return std::nullopt;
  }
  if (ir_text && !record_as_json(path, *r.flow, ir_text)) return std::nullopt;
  return std::move(*r.flow);
}

}  // namespace flow::front

#pragma once
// compile_file (compiler/compile.h) in steps, for flowc: it also needs the lowered IR of a
// flow that has errors (`check --stats`, `graph` of a broken flow).
#include <optional>
#include <string>

#include "compiler/compile.h"
#include "ir/ir.h"

namespace flow {

// As compile_file; when the flow parsed but the checks found errors, `lowered` receives the IR
// anyway (fit for display, never for running). Without errors the IR is in `result.flow`.
CompileResult compile_file_with_ir(const std::string& path, const CompileOptions& options,
                                   std::optional<ir::Flow>& lowered);

}  // namespace flow

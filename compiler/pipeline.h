#pragma once
// compile_file (compiler/compile.h) in steps, for flowc: it also needs the lowered IR of a
// flow that has errors (`check --stats`, `graph` of a broken flow).
#include <optional>
#include <string>

#include "compiler/compile.h"
#include "compiler/ir.h"

namespace flow {

// As compile_file; `lowered` receives the IR whenever parsing succeeded, even if the checks
// then found errors (it is then only fit for display, never for running).
CompileResult compile_file_with_ir(const std::string& path, const CompileOptions& options,
                                   std::optional<ir::Flow>& lowered);

}  // namespace flow

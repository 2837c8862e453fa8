#pragma once
// The front door of the `flow` executable: a .flow file compiled to IR before the runtime sees
// it. It links the compiler; the runtime library does not (docs/ir.md), and receives this
// function through RunRequest::compile_source.
#include <optional>
#include <string>

#include "ir/ir.h"

namespace flow::front {

// Compiles the .flow file at `path` with FLOW_PATH and the standard library, prints its
// diagnostics to stderr, and checks the result like any IR. nullopt on failure. With
// `ir_text`, also returns the IR as JSON text (what the run store records).
std::optional<ir::Flow> compile_source(const std::string& path, std::string* ir_text);

}  // namespace flow::front

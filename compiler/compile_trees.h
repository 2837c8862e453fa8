#pragma once
// What compile_file built, kept with CompileOptions::keep_trees: the syntax trees with their
// name tables, and the lowering tables. For tools that look at the source behind the IR
// (flowc lsp). After a syntax error or a failed import, `program` holds the files but resolve()
// has not filled its tables, and `lowered` is empty.
#include "compiler/compile.h"
#include "compiler/lower.h"
#include "compiler/resolve.h"

namespace flow {

struct CompileTrees {
  Program program;
  Lowered lowered;
};

// The trees of a result compiled with keep_trees; nullptr without them.
CompileTrees* compile_trees(const CompileResult& result);

}  // namespace flow

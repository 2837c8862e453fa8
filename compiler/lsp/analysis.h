#pragma once
// One open document compiled the way `flowc check` compiles it, with open buffers read instead
// of the files on disk, and the symbol index of what was compiled.
#include <memory>
#include <string>

#include "compiler/compile.h"
#include "compiler/compile_trees.h"
#include "compiler/lsp/documents.h"
#include "compiler/lsp/symbol_index.h"

namespace flow::lsp {

struct Analysis {
  CompileResult result;
  CompileTrees* trees = nullptr;  // null only when the document could not be read at all
  uint32_t main_source = 0;       // the document's id in result.sources
  SymbolIndex index;
  LoadOptions load;               // where imports were looked for
};

// Compiles `doc` with the overlay of every open document.
std::unique_ptr<Analysis> analyze(const Document& doc, const DocumentStore& store,
                                  const CompileOptions& base);

// The module file a `use` names ("" when it names none).
std::string module_path(const Analysis& a, const ast::UseDecl& use, uint32_t from_source);

}  // namespace flow::lsp

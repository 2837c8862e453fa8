#include "compiler/lsp/analysis.h"

#include "lang/diagnostic.h"

namespace flow::lsp {

std::unique_ptr<Analysis> analyze(const Document& doc, const DocumentStore& store,
                                  const CompileOptions& base) {
  auto a = std::make_unique<Analysis>();
  CompileOptions options = base;
  options.keep_trees = true;
  options.primary_in_main_file = false;  // each file's diagnostics are published in that file
  options.overlay = &store.overlay();
  a->load = LoadOptions{options.search_path,
                        options.stdlib_dir.empty() ? find_stdlib_dir() : options.stdlib_dir};
  options.stdlib_dir = a->load.stdlib_dir;
  a->result = compile_file(doc.path, options);
  a->trees = compile_trees(a->result);
  if (!a->trees) return a;
  Program& program = a->trees->program;
  a->main_source = program.main_source;
  // After a syntax error compile_file stops before resolve(); the editor still wants to know
  // the agents, so resolve here, keeping its diagnostics out of what is published.
  if (program.agents.empty() && program.stages.empty() && program.inputs.empty() &&
      !program.files.empty()) {
    std::vector<Diagnostic> ignored;
    resolve(a->result.sources, program, ignored);
  }
  a->index = build_index(program);
  return a;
}

std::string module_path(const Analysis& a, const ast::UseDecl& use, uint32_t from_source) {
  if (from_source == 0 || from_source >= a.result.sources.files.size()) return "";
  return locate_import(a.result.sources, a.result.sources.file(from_source).path, use, a.load);
}

}  // namespace flow::lsp

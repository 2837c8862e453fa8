#pragma once
// Resolution: from parsed files to one program with its name tables. Two steps:
//   load_files  — reads and parses the main file and, depth-first, every file it imports
//                 (each once; a cycle is an error). Needs the parser and the file system.
//   resolve     — loads agent files, merges every file's declarations, builds the tables of
//                 agents, inputs and stages, and reports duplicates and bad agent fields.
// Steps and their names are bound later, by lowering (compiler/lower.h).
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/ir.h"
#include "lang/ast.h"
#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

struct AgentDef {
  ir::Agent agent;     // fields merged from the markdown file and the inline block
  Span span;           // the statement that declared it (for `agents from`: the file's name line)
  Span writes_span;    // where `writes` was given (the statement when it came from nowhere)
  Span tools_span;     // where `tools` was given
  bool in_main_file = false;  // only the main file's agents are reported as unused
  bool from_dir = false;      // declared by `agents from "DIR"`
  bool file_failed = false;   // its agent file could not be used (reported): fields unknown
};

struct Program {
  // Every file, imports first (depth-first, in `use` order, each once), the main file last.
  // The tables below point into these files, so the vector must not change after resolve().
  std::vector<ast::File> files;
  uint32_t main_source = 0;  // SourceMap id of the main file
  // Each imported file's SourceMap id and where its importer names it: the `use` statement, or
  // for an agent file the `from` string of `agent NAME from` or `agents from`.
  std::unordered_map<uint32_t, Span> imported_at;

  std::vector<AgentDef> agents;  // declaration order; a duplicate is reported and left out
  std::unordered_map<std::string, uint32_t> agent_index;
  std::vector<const ast::InputDecl*> inputs;
  std::unordered_map<std::string, uint32_t> input_index;
  std::vector<const ast::StageDecl*> stages;  // the pipeline's default order
  std::unordered_map<std::string, uint32_t> stage_index;
  std::vector<const ast::RuleDecl*> rules;
  const ast::FlowDecl* header = nullptr;  // the main file's `flow` statement, if any

  const AgentDef* find_agent(const std::string& name) const;
  const ast::InputDecl* find_input(const std::string& name) const;
};

struct LoadOptions {
  std::vector<std::string> search_path;  // FLOW_PATH directories
  std::string stdlib_dir;                // "" = no standard library available
};

// Reads, parses and collects the main file and its imports into `program.files`. Returns
// false (with `io_error` set) only when the main file itself cannot be read; every other
// problem is a diagnostic.
bool load_files(SourceMap& sources, const std::string& path, const LoadOptions& options,
                Program& program, std::vector<Diagnostic>& diags, std::string& io_error);

// Where `use` written in the file `from_path` points ("" when nowhere), as load_files finds
// it; `tried` (if given) receives every path looked at.
std::string locate_import(const SourceMap& sources, const std::string& from_path,
                          const ast::UseDecl& use, const LoadOptions& options,
                          std::vector<std::string>* tried = nullptr);

// Fills the tables from `program.files` (which the caller may also build by hand).
void resolve(SourceMap& sources, Program& program, std::vector<Diagnostic>& diags);

// The directory part of a path as the user wrote it ("a/b.flow" → "a", "b.flow" → "").
std::string dir_of(const std::string& path);
// `rel` taken relative to `dir`, lexically normalized; kept relative when both are.
std::string join_path(const std::string& dir, const std::string& rel);

}  // namespace flow

#pragma once
// The front end as one call: read, parse, resolve imports and agent files, lower to IR, run
// the checks. Used by flowc and by flow (the runtime compiles .flow files with it).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "lang/diagnostic.h"
#include "lang/source.h"

namespace flow {

struct CompileOptions {
  std::vector<std::string> search_path;  // FLOW_PATH directories, in order
  std::string stdlib_dir;                // where `use std/NAME` looks; "" = find_stdlib_dir()
  bool run_checks = true;                // false: only what lowering itself needs
  // Hand the syntax trees and lowering tables to the result instead of freeing them, so that
  // a caller about to exit can skip tearing them down (it is most of a large flow's memory).
  bool keep_trees = false;
  const SourceOverlay* overlay = nullptr;  // unsaved editor buffers to read instead of files
  // Move a diagnostic found in an imported file to the main file (at the step concerned, or
  // at the `use`), keeping its place as a related location: what every report of `flowc
  // check` needs. The language server, which publishes each file's own diagnostics, leaves it.
  bool primary_in_main_file = true;
};

struct CompileResult {
  SourceMap sources;                     // every file read (for rendering diagnostics)
  std::vector<Diagnostic> diagnostics;   // errors and warnings, sorted by file, line, column
  std::optional<ir::Flow> flow;          // present when there are no errors
  bool io_error = false;                 // the main file could not be read (exit 2)
  std::string io_message;
  std::shared_ptr<void> trees;           // with CompileOptions::keep_trees: see compile_trees.h
};

CompileResult compile_file(const std::string& path, const CompileOptions& options);

// FLOW_STDLIB if set; else the stdlib installed beside the binary (../share/flow/stdlib);
// else the source tree's stdlib/ (for a build that was not installed). "" if none exists.
std::string find_stdlib_dir();

// The standard library's flows in `stdlib_dir`, as a command line or a `use` names them
// ("std/backend"), sorted; none when the directory cannot be read.
std::vector<std::string> stdlib_modules(const std::string& stdlib_dir);

// FLOW_PATH split on ':' (empty entries dropped).
std::vector<std::string> flow_path_from_env();

}  // namespace flow

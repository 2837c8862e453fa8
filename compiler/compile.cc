// compile_file (compiler/compile.h): read → parse (with imports) → resolve → lower → check.
#include "compiler/compile.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "compiler/checks/checks.h"
#include "compiler/compile_trees.h"
#include "compiler/lower.h"
#include "compiler/pipeline.h"
#include "compiler/resolve.h"
#include "compiler/suppress.h"

#ifndef FLOW_STDLIB_FROM_BIN
#define FLOW_STDLIB_FROM_BIN "../share/flow/stdlib"
#endif
#ifndef FLOW_STDLIB_IN_TREE
#define FLOW_STDLIB_IN_TREE ""
#endif

namespace flow {
namespace fs = std::filesystem;

std::string find_stdlib_dir() {
  std::error_code ec;
  if (const char* env = std::getenv("FLOW_STDLIB"); env && *env) return env;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = (exe.parent_path() / FLOW_STDLIB_FROM_BIN).lexically_normal();
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  std::string tree = FLOW_STDLIB_IN_TREE;
  if (!tree.empty() && fs::is_directory(tree, ec)) return tree;
  return "";
}

std::vector<std::string> stdlib_modules(const std::string& stdlib_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (stdlib_dir.empty()) return out;
  for (fs::directory_iterator it(stdlib_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".flow") out.push_back("std/" + it->path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> flow_path_from_env() {
  std::vector<std::string> out;
  const char* env = std::getenv("FLOW_PATH");
  if (!env) return out;
  std::string s = env;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t colon = s.find(':', pos);
    std::string dir = s.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (!dir.empty()) out.push_back(dir);
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return out;
}

namespace {

void sort_diagnostics(std::vector<Diagnostic>& diags) {
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    if (a.span.begin.line != b.span.begin.line) return a.span.begin.line < b.span.begin.line;
    return a.span.begin.col < b.span.begin.col;
  });
}

// `flowc check std/NAME` and `flow run std/NAME` name the standard library's NAME.flow, the
// way `use std/NAME` does, so they work from any directory. A file at that very path wins: it
// was named exactly. Returns "" (with `error` set) when the library has no such flow.
std::string main_file_path(const std::string& path, const std::string& stdlib_dir,
                           std::string* error) {
  std::error_code ec;
  if (path.rfind("std/", 0) != 0 || fs::exists(path, ec)) return path;
  std::string name = path.substr(4);
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".flow") == 0)
    name.resize(name.size() - 5);
  if (stdlib_dir.empty()) {
    *error = "cannot find the standard library for `" + path +
             "`; set FLOW_STDLIB to its directory";
    return "";
  }
  fs::path file = fs::path(stdlib_dir) / (name + ".flow");
  if (fs::is_regular_file(file, ec)) return file.string();
  std::vector<std::string> names;
  for (fs::directory_iterator it(stdlib_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".flow") names.push_back("`std/" + it->path().stem().string() + "`");
  std::sort(names.begin(), names.end());
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + names[i];
  *error = "no flow `std/" + name + "` in the standard library (" + stdlib_dir + "): " +
           (names.empty() ? std::string("it has none") : "it has " + list);
  return "";
}

}  // namespace

namespace {

// Every diagnostic's primary location in the file that was checked: a CI annotation, a SARIF
// result and an editor's mark must point into the user's own file, not into a library it
// imports. A related location there takes the primary's place; else the `use` that brought the
// other file in (through every import between), with the original place kept as related.
void keep_in_main_file(const Program& program, std::vector<Diagnostic>& diags) {
  for (Diagnostic& d : diags) {
    if (d.span.file == program.main_source || d.span.begin.line == 0) continue;
    Label moved{d.span, d.label.empty() ? "here, in another file" : d.label};
    auto here = std::find_if(d.secondary.begin(), d.secondary.end(),
                             [&](const Label& l) { return l.span.file == program.main_source; });
    if (here != d.secondary.end()) {
      d.span = here->span;
      d.label = here->message;
      *here = std::move(moved);
      continue;
    }
    uint32_t file = d.span.file;
    const Span* use = nullptr;
    for (size_t hops = 0; file != program.main_source && hops <= program.imported_at.size(); ++hops) {
      auto it = program.imported_at.find(file);
      if (it == program.imported_at.end()) break;
      use = &it->second;
      file = use->file;
    }
    if (file != program.main_source || !use) continue;
    d.secondary.insert(d.secondary.begin(), std::move(moved));
    d.span = *use;
    d.label = "named here";
  }
}

}  // namespace

CompileResult compile_file_with_ir(const std::string& path, const CompileOptions& options,
                                   std::optional<ir::Flow>& lowered_out) {
  CompileResult r;
  LoadOptions load{options.search_path,
                   options.stdlib_dir.empty() ? find_stdlib_dir() : options.stdlib_dir};
  std::string file = main_file_path(path, load.stdlib_dir, &r.io_message);
  if (file.empty()) {
    r.io_error = true;
    return r;
  }
  r.sources.overlay = options.overlay;
  auto trees = std::make_shared<CompileTrees>();
  if (options.keep_trees) r.trees = trees;
  Program& program = trees->program;
  if (!load_files(r.sources, file, load, program, r.diagnostics, r.io_message)) {
    r.io_error = true;
    return r;
  }
  // After a syntax error the tree is partial, and after a failed import names are missing:
  // resolving either would only add follow-on errors.
  if (!has_errors(r.diagnostics)) {
    resolve(r.sources, program, r.diagnostics);
    Lowered& lowered = trees->lowered;
    lowered = lower(r.sources, program, r.diagnostics);
    run_checks(CheckContext{r.sources, program, lowered, r.diagnostics}, options.run_checks);
    apply_suppressions(r.sources, r.diagnostics);
    if (!has_errors(r.diagnostics))
      r.flow = std::move(lowered.flow);
    else
      lowered_out = std::move(lowered.flow);
  }
  if (options.primary_in_main_file) keep_in_main_file(program, r.diagnostics);
  sort_diagnostics(r.diagnostics);
  return r;
}

CompileTrees* compile_trees(const CompileResult& result) {
  return static_cast<CompileTrees*>(result.trees.get());
}

CompileResult compile_file(const std::string& path, const CompileOptions& options) {
  std::optional<ir::Flow> unused;
  return compile_file_with_ir(path, options, unused);
}

}  // namespace flow

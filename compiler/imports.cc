// load_files (compiler/resolve.h): the main file and, depth-first, every file it imports.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "compiler/diagnostic_registry.h"
#include "compiler/resolve.h"
#include "compiler/suggest.h"
#include "lang/parser.h"

namespace flow {
namespace fs = std::filesystem;
namespace {

// A file on disk, or an editor's unsaved buffer (SourceMap::overlay).
bool is_file(const SourceMap& sources, const std::string& path) {
  if (sources.overlay_text(path)) return true;
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

std::string locate_import(const SourceMap& sources, const std::string& from_path,
                          const ast::UseDecl& use, const LoadOptions& options,
                          std::vector<std::string>* tried) {
  auto found = [&](const std::string& p) {
    if (tried) tried->push_back(p);
    return is_file(sources, p);
  };
  if (use.is_file) {
    std::string p = join_path(dir_of(from_path), use.target);
    return found(p) ? p : "";
  }
  const std::string std_prefix = "std/";
  if (use.target.rfind(std_prefix, 0) != 0) {
    for (const std::string& dir : options.search_path) {
      std::string p = join_path(dir, use.target + ".flow");
      if (found(p)) return p;
    }
  }
  if (options.stdlib_dir.empty()) return "";
  std::string name = use.target.rfind(std_prefix, 0) == 0 ? use.target.substr(4) : use.target;
  std::string p = join_path(options.stdlib_dir, name + ".flow");
  return found(p) ? p : "";
}

namespace {

struct Importer {
  SourceMap& sources;
  const LoadOptions& options;
  Program& program;
  std::vector<Diagnostic>& diags;
  std::vector<std::string> loaded;  // canonical paths already parsed (or being parsed)
  std::vector<std::string> stack;   // canonical paths of the files being imported, outermost first
  std::vector<std::string> stack_shown;  // the same, as shown to the user

  static std::string canonical(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(path, ec);
    return ec ? path : p.string();
  }

  // Where a `use` points, or "" (with `tried` listing the places looked at).
  std::string locate(const ast::File& from, const ast::UseDecl& use,
                     std::vector<std::string>& tried) {
    return locate_import(sources, sources.file(from.source).path, use, options, &tried);
  }

  // A close name among the .flow files next to where the import was looked for, written the
  // way the import was (`std/policies`, `"lib/agents.flow"`), or "".
  static std::string close_import(const ast::UseDecl& use, const std::vector<std::string>& tried) {
    std::string target = use.target;
    size_t slash = target.rfind('/');
    std::string head = slash == std::string::npos ? "" : target.substr(0, slash + 1);
    std::string last = slash == std::string::npos ? target : target.substr(slash + 1);
    std::vector<std::string> names;
    for (const std::string& t : tried) {
      std::error_code ec;
      fs::path dir = fs::path(t).parent_path();
      for (fs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (it->path().extension() != ".flow") continue;
        names.push_back(use.is_file ? it->path().filename().string() : it->path().stem().string());
      }
    }
    std::sort(names.begin(), names.end());
    std::vector<std::string_view> views(names.begin(), names.end());
    std::string best = closest_name(last, views);
    return best.empty() ? "" : head + best;
  }

  // `std/` is looked up in the standard library only: setting FLOW_PATH cannot help, so the
  // help says what the library has.
  std::string stdlib_help() const {
    if (options.stdlib_dir.empty()) return "set FLOW_STDLIB to the standard library's directory";
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(options.stdlib_dir, ec), end; !ec && it != end;
         it.increment(ec))
      if (it->path().extension() == ".flow") names.push_back(it->path().stem().string());
    std::sort(names.begin(), names.end());
    for (std::string& n : names) n = "`std/" + n + "`";
    if (names.empty())
      return fmt::format("the standard library in '{}' has no modules", options.stdlib_dir);
    std::string list;
    for (size_t i = 0; i < names.size(); ++i)
      list += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return fmt::format("the standard library has {} (FLOW_PATH is not searched for `std/` modules)",
                       list);
  }

  void load(uint32_t source_id) {
    ParseResult parsed = parse(sources, source_id);
    for (Diagnostic& d : parsed.diagnostics) diags.push_back(std::move(d));
    ast::File file = std::move(parsed.file);
    file.source = source_id;
    for (const ast::UseDecl& use : file.uses) import(file, use);
    program.files.push_back(std::move(file));
  }

  void import(const ast::File& from, const ast::UseDecl& use) {
    std::vector<std::string> tried;
    std::string path = locate(from, use, tried);
    if (path.empty()) {
      Diagnostic d = make_diagnostic("E0100", use.target_span,
                                     fmt::format("cannot find the import `{}`", use.target));
      for (const std::string& t : tried) d.notes.push_back(fmt::format("looked for '{}'", t));
      if (options.stdlib_dir.empty() && !use.is_file)
        d.notes.push_back("no standard library was found; set FLOW_STDLIB to its directory");
      std::string close = close_import(use, tried);
      if (!close.empty())
        d.help = use.is_file ? fmt::format("did you mean \"{}\"?", close)
                             : fmt::format("did you mean `{}`?", close);
      else if (use.is_file)
        d.help = "a quoted path is relative to the importing file";
      else if (use.target.rfind("std/", 0) == 0)
        d.help = stdlib_help();
      else
        d.help = "add the directory that holds it to FLOW_PATH (colon-separated)";
      diags.push_back(std::move(d));
      return;
    }
    std::string key = canonical(path);
    for (size_t i = 0; i < stack.size(); ++i) {
      if (stack[i] != key) continue;
      std::string chain;
      for (size_t j = i; j < stack.size(); ++j) chain += stack_shown[j] + " -> ";
      chain += path;
      Diagnostic d = make_diagnostic("E0106", use.target_span,
                                     fmt::format("import cycle: `{}` imports itself", path));
      d.notes.push_back(fmt::format("the cycle: {}", chain));
      d.help = "move what the files share into a third file that each of them imports";
      diags.push_back(std::move(d));
      return;
    }
    if (std::find(loaded.begin(), loaded.end(), key) != loaded.end()) return;  // harmless twice
    uint32_t id = 0;
    std::string error;
    if (!read_source(sources, path, id, error)) {
      diags.push_back(make_diagnostic("E0100", use.target_span, error));
      return;
    }
    loaded.push_back(key);
    program.imported_at[id] = use.span;
    stack.push_back(key);
    stack_shown.push_back(path);
    load(id);
    stack.pop_back();
    stack_shown.pop_back();
  }
};

}  // namespace

bool load_files(SourceMap& sources, const std::string& path, const LoadOptions& options,
                Program& program, std::vector<Diagnostic>& diags, std::string& io_error) {
  uint32_t id = 0;
  if (!read_source(sources, path, id, io_error)) return false;
  program.main_source = id;
  Importer importer{sources, options, program, diags, {}, {}, {}};
  std::string key = Importer::canonical(path);
  importer.loaded.push_back(key);
  importer.stack.push_back(key);
  importer.stack_shown.push_back(path);
  importer.load(id);
  return true;
}

}  // namespace flow

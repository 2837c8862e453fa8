#pragma once
// Helpers for the compiler's unit tests: compile flow text held in memory, and summarize the
// diagnostics that came out.
#include <memory>
#include <string>
#include <vector>

#include "compiler/checks/checks.h"
#include "compiler/lower.h"
#include "compiler/resolve.h"
#include "compiler/suppress.h"
#include "lang/parser.h"

namespace flow::testing {

struct Compiled {
  SourceMap sources;
  Program program;
  Lowered lowered;
  std::vector<Diagnostic> diags;
};

// Parses, resolves, lowers and (unless `checks` is false) checks `text` as the file
// `path`. Imports are not followed; agent files are read relative to `path`.
inline std::unique_ptr<Compiled> compile_text(const std::string& text, bool checks = true,
                                              const std::string& path = "test.flow") {
  auto c = std::make_unique<Compiled>();
  uint32_t id = c->sources.add(path, text);
  ParseResult parsed = parse(c->sources, id);
  c->diags = std::move(parsed.diagnostics);
  parsed.file.source = id;
  c->program.main_source = id;
  c->program.files.push_back(std::move(parsed.file));
  resolve(c->sources, c->program, c->diags);
  c->lowered = lower(c->sources, c->program, c->diags);
  run_checks(CheckContext{c->sources, c->program, c->lowered, c->diags}, checks);
  apply_suppressions(c->sources, c->diags);
  return c;
}

// "E0101 W0100": the codes in the order reported.
inline std::string codes(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags) out += (out.empty() ? "" : " ") + d.code;
  return out;
}

inline const Diagnostic* find_code(const std::vector<Diagnostic>& diags, const std::string& code) {
  for (const Diagnostic& d : diags)
    if (d.code == code) return &d;
  return nullptr;
}

// Node ids of `names` (gate nodes by their "x/gate" name), for comparing deps.
inline std::vector<uint32_t> ids(const ir::Flow& f, const std::vector<std::string>& names) {
  std::vector<uint32_t> out;
  for (const std::string& n : names) {
    const ir::Node* node = f.find_node(n);
    out.push_back(node ? node->id : UINT32_MAX);
  }
  return out;
}

}  // namespace flow::testing

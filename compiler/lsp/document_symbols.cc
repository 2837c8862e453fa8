// textDocument/documentSymbol: the document's outline, stages holding their steps.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/protocol.h"

namespace flow::lsp {
namespace {

// LSP SymbolKind values.
constexpr int kSymbolModule = 2, kSymbolNamespace = 3, kSymbolClass = 5, kSymbolFunction = 12,
              kSymbolVariable = 13, kSymbolArray = 18;

// The smallest span holding both (LSP wants the selection inside the range).
Span cover(Span a, const Span& b) {
  if (b.file != a.file) return a;
  if (b.begin.offset < a.begin.offset) a.begin = b.begin;
  if (b.end.offset > a.end.offset) a.end = b.end;
  return a;
}

struct Outline {
  const SourceMap& sources;
  Encoding enc;

  nlohmann::json symbol(const std::string& name, const char* detail, int kind, const Span& range,
                        const Span& selection) const {
    return {{"name", name.empty() ? std::string("(unnamed)") : name},
            {"detail", detail},
            {"kind", kind},
            {"range", range_json(sources, cover(range, selection), enc)},
            {"selectionRange", range_json(sources, selection, enc)}};
  }

  nlohmann::json step(const ast::Step& s) const {
    using K = ast::Step::Kind;
    Span selection = s.as ? s.as->span : s.kind == K::Call ? s.agent.span : s.span;
    std::string name = s.as ? s.as->name : s.kind == K::Call ? s.agent.name
                       : s.kind == K::Run ? "run" : s.kind == K::Approve ? "approve"
                       : s.block == ast::BlockKind::Parallel ? "parallel" : "sequence";
    const char* detail = s.kind == K::Call ? "step" : s.kind == K::Block ? "block" : "step";
    nlohmann::json j = symbol(name, detail, s.kind == K::Block ? kSymbolArray : kSymbolFunction,
                              s.span, selection);
    if (s.kind == K::Block) {
      nlohmann::json children = nlohmann::json::array();
      for (const ast::Step& c : s.children) children.push_back(step(c));
      j["children"] = children;
    }
    return j;
  }

  nlohmann::json stage(const ast::StageDecl& st) const {
    nlohmann::json j = symbol(st.name.name, "stage", kSymbolNamespace, st.span, st.name.span);
    nlohmann::json children = nlohmann::json::array();
    if (st.body.kind == ast::Step::Kind::Block && !st.body.as && st.body.gates.empty())
      for (const ast::Step& c : st.body.children) children.push_back(step(c));
    else
      children.push_back(step(st.body));
    j["children"] = children;
    return j;
  }
};

}  // namespace

nlohmann::json document_symbols(const Analysis& a, Encoding enc) {
  nlohmann::json out = nlohmann::json::array();
  if (!a.trees) return out;
  Outline o{a.result.sources, enc};
  for (const ast::File& f : a.trees->program.files) {
    if (f.source != a.main_source) continue;
    if (f.flow) out.push_back(o.symbol(f.flow->name.name, "flow", kSymbolModule, f.flow->span,
                                       f.flow->name.span));
    for (const ast::InputDecl& in : f.inputs)
      out.push_back(o.symbol(in.name.name, "input", kSymbolVariable, in.span, in.name.span));
    for (const ast::AgentDecl& ag : f.agents)
      out.push_back(o.symbol(ag.name.name, "agent", kSymbolClass, ag.span, ag.name.span));
    for (const ast::StageDecl& st : f.stages) out.push_back(o.stage(st));
  }
  return out;
}

}  // namespace flow::lsp

#pragma once
// Every place a name is declared or used in a compiled program, with its span: what hover,
// go to definition, references, rename and document symbols look up. Built from the syntax
// trees (so it works on a flow with errors too) and the agents resolve() loaded from files.
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/resolve.h"
#include "lang/ast.h"

namespace flow::lsp {

enum class SymbolKind { Agent, Input, Stage, Step, Module };

const char* kind_name(SymbolKind kind);  // "agent", "input", ...

struct Occurrence {
  SymbolKind kind = SymbolKind::Agent;
  std::string name;
  Span span;
  bool declaration = false;
  // The node behind it, where there is one (pointers into Program::files / agents).
  const ast::AgentDecl* agent = nullptr;
  const AgentDef* agent_def = nullptr;  // the resolved agent (declarations and uses)
  const ast::InputDecl* input = nullptr;
  const ast::StageDecl* stage = nullptr;
  const ast::Step* step = nullptr;  // a call step's agent, or the step an `as` names
  const ast::UseDecl* use = nullptr;
};

struct SymbolIndex {
  std::vector<Occurrence> items;

  // The occurrence whose span holds `offset` in source `file` (its end included, so that a
  // cursor just after a name still finds it); nullptr when none.
  const Occurrence* at(uint32_t file, uint32_t offset) const;
  const Occurrence* declaration(SymbolKind kind, const std::string& name) const;
  std::vector<const Occurrence*> all(SymbolKind kind, const std::string& name) const;
  // Names declared with `kind`, each once.
  std::vector<std::string> names(SymbolKind kind) const;
};

SymbolIndex build_index(const Program& program);

}  // namespace flow::lsp

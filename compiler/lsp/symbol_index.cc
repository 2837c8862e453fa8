#include "compiler/lsp/symbol_index.h"

#include <algorithm>
#include <set>

namespace flow::lsp {

const char* kind_name(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::Agent: return "agent";
    case SymbolKind::Input: return "input";
    case SymbolKind::Stage: return "stage";
    case SymbolKind::Step: return "step";
    case SymbolKind::Module: return "module";
  }
  return "name";
}

namespace {

// A name written where a step, a stage or an input may stand (`after`, `uses`, `when`,
// `over`, `back to`, a `before` rule): which it is depends on what is declared.
struct NameRef {
  const ast::Ident* ident;
  bool input_allowed;
};

struct Builder {
  const Program& program;
  SymbolIndex index;
  std::vector<NameRef> name_refs;
  std::set<std::string> stages, steps, inputs;

  const AgentDef* agent_def(const std::string& name) const { return program.find_agent(name); }

  void add(SymbolKind kind, const ast::Ident& id, bool decl, Occurrence o = {}) {
    if (id.name.empty() || id.span.file == 0) return;
    o.kind = kind;
    o.name = id.name;
    o.span = id.span;
    o.declaration = decl;
    index.items.push_back(std::move(o));
  }

  void condition(const ast::Condition* c) {
    if (c) name_refs.push_back({&c->subject, true});
  }

  void step(const ast::Step& s, const ast::StageDecl& stage) {
    if (s.kind == ast::Step::Kind::Call) {
      Occurrence o;
      o.step = &s;
      o.stage = &stage;
      o.agent_def = agent_def(s.agent.name);
      add(SymbolKind::Agent, s.agent, false, o);
      if (s.over && s.over->input) name_refs.push_back({&*s.over->input, true});
    }
    if (s.as) {
      Occurrence o;
      o.step = &s;
      o.stage = &stage;
      steps.insert(s.as->name);
      add(SymbolKind::Step, *s.as, true, o);
    }
    for (const ast::Ident& a : s.after) name_refs.push_back({&a, false});
    for (const ast::Ident& u : s.uses) name_refs.push_back({&u, false});
    condition(s.when.get());
    for (const ast::Gate& g : s.gates)
      if (g.kind == ast::Gate::Kind::Review || g.kind == ast::Gate::Kind::ReviewEach) {
        Occurrence o;
        o.agent_def = agent_def(g.reviewer.name);
        add(SymbolKind::Agent, g.reviewer, false, o);
      }
    if (s.back_to) name_refs.push_back({s.back_to.get(), false});
    for (const ast::Step& child : s.children) step(child, stage);
  }

  void file(const ast::File& f) {
    for (const ast::UseDecl& u : f.uses) {
      Occurrence o;
      o.kind = SymbolKind::Module;
      o.name = u.target;
      o.span = u.target_span;
      o.use = &u;
      index.items.push_back(std::move(o));
    }
    for (const ast::AgentDecl& a : f.agents) {
      Occurrence o;
      o.agent = &a;
      o.agent_def = agent_def(a.name.name);
      add(SymbolKind::Agent, a.name, true, o);
    }
    for (const ast::InputDecl& in : f.inputs) {
      Occurrence o;
      o.input = &in;
      inputs.insert(in.name.name);
      add(SymbolKind::Input, in.name, true, o);
    }
    for (const ast::StageDecl& st : f.stages) {
      Occurrence o;
      o.stage = &st;
      stages.insert(st.name.name);
      add(SymbolKind::Stage, st.name, true, o);
      for (const ast::Ident& a : st.after) name_refs.push_back({&a, false});
      condition(st.when.get());
      step(st.body, st);
    }
    for (const ast::RuleDecl& r : f.rules) {
      if (r.kind == ast::RuleDecl::Kind::Before) {
        name_refs.push_back({&r.a, false});
        name_refs.push_back({&r.b, false});
      } else if (r.kind != ast::RuleDecl::Kind::AtMostCalls) {
        Occurrence o;
        o.agent_def = agent_def(r.a.name);
        add(SymbolKind::Agent, r.a, false, o);
      }
    }
  }

  // A step is named by `as` or after the agent it calls; a name that is neither a stage, a
  // step given `as`, nor an input is taken for an agent's (unnamed) step.
  void bind_name_refs() {
    for (const NameRef& r : name_refs) {
      const std::string& n = r.ident->name;
      Occurrence o;
      SymbolKind kind = SymbolKind::Agent;
      if (stages.count(n)) kind = SymbolKind::Stage;
      else if (steps.count(n)) kind = SymbolKind::Step;
      else if (r.input_allowed && inputs.count(n)) kind = SymbolKind::Input;
      else o.agent_def = agent_def(n);
      add(kind, *r.ident, false, o);
    }
  }

  // Agents that `agents from "DIR"` loaded: declared on their file's `name:` line.
  void directory_agents() {
    for (const AgentDef& def : program.agents) {
      if (!def.from_dir || def.span.file == 0) continue;
      Occurrence o;
      o.kind = SymbolKind::Agent;
      o.name = def.agent.name;
      o.span = def.span;
      o.declaration = true;
      o.agent_def = &def;
      index.items.push_back(std::move(o));
    }
  }
};

}  // namespace

const Occurrence* SymbolIndex::at(uint32_t file, uint32_t offset) const {
  for (const Occurrence& o : items)
    if (o.span.file == file && o.span.begin.offset <= offset && offset <= o.span.end.offset)
      return &o;
  return nullptr;
}

const Occurrence* SymbolIndex::declaration(SymbolKind kind, const std::string& name) const {
  for (const Occurrence& o : items)
    if (o.declaration && o.kind == kind && o.name == name) return &o;
  return nullptr;
}

std::vector<const Occurrence*> SymbolIndex::all(SymbolKind kind, const std::string& name) const {
  std::vector<const Occurrence*> out;
  for (const Occurrence& o : items)
    if (o.kind == kind && o.name == name) out.push_back(&o);
  return out;
}

std::vector<std::string> SymbolIndex::names(SymbolKind kind) const {
  std::set<std::string> seen;
  for (const Occurrence& o : items)
    if (o.declaration && o.kind == kind) seen.insert(o.name);
  return {seen.begin(), seen.end()};
}

SymbolIndex build_index(const Program& program) {
  Builder b{program, {}, {}, {}, {}, {}};
  for (const ast::File& f : program.files) b.file(f);
  b.bind_name_refs();
  b.directory_agents();
  return std::move(b.index);
}

}  // namespace flow::lsp

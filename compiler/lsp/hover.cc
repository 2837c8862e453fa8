// textDocument/hover: what a name stands for, in Markdown.
#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/protocol.h"

namespace flow::lsp {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string agent_text(const Occurrence& o) {
  std::string t = "**agent** `" + o.name + "`";
  if (!o.agent_def) return t + "\n\nnot declared";
  const ir::Agent& a = o.agent_def->agent;
  if (!a.description.empty()) t += "\n\n" + a.description;
  t += "\n\n- model: " + (a.model.empty() ? std::string("inherit") : a.model);
  t += "\n- tools: " + (!a.tools ? std::string("every tool")
                                 : a.tools->empty() ? std::string("none") : join(*a.tools));
  t += "\n- writes: " + (a.writes.empty() ? std::string("nothing") : join(a.writes));
  if (!a.role.empty() && a.role != "worker") t += "\n- role: " + a.role;
  if (!a.source.empty()) t += "\n- from: " + a.source;
  return t;
}

std::string gate_text(const ast::Gate& g) {
  switch (g.kind) {
    case ast::Gate::Kind::Review: return "review " + g.reviewer.name;
    case ast::Gate::Kind::ReviewEach: return "review each " + g.reviewer.name;
    case ast::Gate::Kind::Check: return "check \"" + (g.text ? g.text->value : "") + "\"";
    case ast::Gate::Kind::Approve: return "approve" + (g.text ? " \"" + g.text->value + "\"" : "");
    case ast::Gate::Kind::Verdict: return "check verdict";
  }
  return "";
}

// A step is named by its `as`, else after the agent it calls (docs/language.md, "Names").
std::string step_name(const ast::Step& s, const std::string& fallback) {
  if (s.as) return s.as->name;
  return s.kind == ast::Step::Kind::Call ? s.agent.name : fallback;
}

std::string step_text(const ast::Step& s, const std::string& fallback_name) {
  std::string t = "**step** `" + step_name(s, fallback_name) + "`";
  if (s.kind == ast::Step::Kind::Call) {
    t += "\n\n- agent: `" + s.agent.name + "`";
    if (s.focus) t += "\n- focus: " + s.focus->value.substr(0, s.focus->value.find('\n'));
  }
  if (s.kind == ast::Step::Kind::Run && s.text) t += "\n\n- runs: `" + s.text->value + "`";
  if (s.kind == ast::Step::Kind::Block) t += "\n\n- a block of " + std::to_string(s.children.size()) + " steps";
  std::vector<std::string> gates;
  for (const ast::Gate& g : s.gates) gates.push_back(gate_text(g));
  t += "\n- gates: " + (gates.empty() ? std::string("none") : join(gates));
  if (s.retries) t += "\n- retries: " + std::to_string(s.retries->value);
  return t;
}

std::string input_text(const ast::InputDecl& in) {
  static const char* kTypes[] = {"text", "number", "bool", "list"};
  std::string t = "**input** `" + in.name.name + "`: " + kTypes[static_cast<int>(in.type)];
  if (in.default_value) {
    const ast::Value& v = *in.default_value;
    std::string shown;
    switch (v.kind) {
      case ast::Value::Kind::String: shown = "\"" + v.text + "\""; break;
      case ast::Value::Kind::Integer: shown = std::to_string(v.integer); break;
      case ast::Value::Kind::Bool: shown = v.boolean ? "true" : "false"; break;
      case ast::Value::Kind::List: {
        std::vector<std::string> items;
        for (const ast::String& s : v.list) items.push_back("\"" + s.value + "\"");
        shown = "[" + join(items) + "]";
      }
    }
    t += "\n\n- default: " + shown;
  } else {
    t += "\n\n- required (no default)";
  }
  if (in.description) t += "\n\n" + in.description->value;
  return t;
}

std::string stage_text(const ast::StageDecl& st) {
  std::string t = "**stage** `" + st.name.name + "`";
  std::vector<std::string> after;
  for (const ast::Ident& a : st.after) after.push_back(a.name);
  if (!after.empty()) t += "\n\n- after: " + join(after);
  size_t steps = st.body.kind == ast::Step::Kind::Block ? st.body.children.size() : 1;
  t += "\n\n- " + std::to_string(steps) + (steps == 1 ? " step" : " steps");
  if (st.when) t += "\n- conditional (`when " + st.when->subject.name + " ...`)";
  return t;
}

std::string text_of(const Analysis& a, const Occurrence& o) {
  switch (o.kind) {
    case SymbolKind::Agent: {
      std::string t = agent_text(o);
      if (o.step && !o.declaration) t += "\n\n---\n\n" + step_text(*o.step, o.name);
      return t;
    }
    case SymbolKind::Step: {
      const Occurrence* d = o.step ? &o : a.index.declaration(SymbolKind::Step, o.name);
      if (!d || !d->step) return "**step** `" + o.name + "`";
      std::string t = step_text(*d->step, o.name);
      // The step's agent follows, as the agent's hover shows its step.
      if (d->step->kind != ast::Step::Kind::Call) return t;
      const Occurrence* agent = a.index.declaration(SymbolKind::Agent, d->step->agent.name);
      Occurrence shown;
      shown.name = d->step->agent.name;
      shown.agent_def = agent ? agent->agent_def : nullptr;
      return t + "\n\n---\n\n" + agent_text(shown);
    }
    case SymbolKind::Input: {
      const Occurrence* d = o.input ? &o : a.index.declaration(SymbolKind::Input, o.name);
      return d && d->input ? input_text(*d->input) : "**input** `" + o.name + "`";
    }
    case SymbolKind::Stage: {
      const Occurrence* d = o.stage && o.declaration ? &o : a.index.declaration(SymbolKind::Stage, o.name);
      return d && d->stage ? stage_text(*d->stage) : "**stage** `" + o.name + "`";
    }
    case SymbolKind::Module: {
      std::string path = o.use ? module_path(a, *o.use, o.span.file) : "";
      return "**module** `" + o.name + "`\n\n" + (path.empty() ? "not found" : path);
    }
  }
  return "";
}

}  // namespace

nlohmann::json hover(const Analysis& a, uint32_t offset, Encoding enc) {
  const Occurrence* o = a.index.at(a.main_source, offset);
  if (!o) return nullptr;
  return {{"contents", {{"kind", "markdown"}, {"value", text_of(a, *o)}}},
          {"range", range_json(a.result.sources, o->span, enc)}};
}

}  // namespace flow::lsp

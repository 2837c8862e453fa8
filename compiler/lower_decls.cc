// The parts of lowering that copy declarations into the IR without building the graph.
#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "compiler/lower.h"

namespace flow {
namespace {

nlohmann::json value_json(const ast::Value& v) {
  switch (v.kind) {
    case ast::Value::Kind::String: return v.text;
    case ast::Value::Kind::Integer: return v.integer;
    case ast::Value::Kind::Bool: return v.boolean;
    case ast::Value::Kind::List: {
      nlohmann::json list = nlohmann::json::array();
      for (const ast::String& s : v.list) list.push_back(s.value);
      return list;
    }
  }
  return nullptr;
}

const char* type_name(ast::InputType t) {
  switch (t) {
    case ast::InputType::Text: return "text";
    case ast::InputType::Number: return "number";
    case ast::InputType::Bool: return "bool";
    case ast::InputType::List: return "list";
  }
  return "text";
}

ir::Rule::Kind rule_kind(ast::RuleDecl::Kind k) {
  switch (k) {
    case ast::RuleDecl::Kind::Before: return ir::Rule::Kind::Before;
    case ast::RuleDecl::Kind::EveryStepReviewedBy: return ir::Rule::Kind::EveryStepReviewedBy;
    case ast::RuleDecl::Kind::AtMostCalls: return ir::Rule::Kind::AtMostCalls;
    case ast::RuleDecl::Kind::WritesOnly: return ir::Rule::Kind::WritesOnly;
    case ast::RuleDecl::Kind::AtMostTokens: return ir::Rule::Kind::AtMostTokens;
    case ast::RuleDecl::Kind::AtMostCost: return ir::Rule::Kind::AtMostCost;
  }
  return ir::Rule::Kind::Before;
}

}  // namespace

void lower_declarations(const SourceMap& sources, const Program& program, ir::Flow& f) {
  const std::string& main_path = sources.file(program.main_source).path;
  f.source = main_path;
  f.name = program.header ? program.header->name.name
                          : std::filesystem::path(main_path).stem().string();
  if (program.header && program.header->description)
    f.description = program.header->description->value;
  for (const ast::InputDecl* decl : program.inputs) {
    const char* type = type_name(decl->type);
    ir::Input& input = f.inputs.emplace_back();
    input.name = decl->name.name;
    input.type = type;
    if (decl->default_value) input.default_value = value_json(*decl->default_value)
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (decl->description) input.description = decl->description->value;
    input.loc = to_loc(decl->span);
  }
  for (const AgentDef& a : program.agents) f.agents.push_back(a.agent);
  for (const ast::RuleDecl* r : program.rules) {
    ir::Rule rule;
    rule.kind = rule_kind(r->kind);
    rule.a = r->a.name;
    rule.b = r->b.name;
    rule.limit = r->limit.value;
    // The grammar admits only digits with an optional point and up to 6 decimals.
    if (r->kind == ast::RuleDecl::Kind::AtMostCost) rule.limit_usd = std::strtod(r->amount.c_str(), nullptr);
    for (const ast::String& g : r->globs) rule.globs.push_back(g.value);
    rule.loc = to_loc(r->span);
    f.rules.push_back(std::move(rule));
  }
}

ir::Check lower_check(const ast::Gate& gate, uint32_t reviewer) {
  ir::Check c;
  c.loc = to_loc(gate.span);
  switch (gate.kind) {
    case ast::Gate::Kind::Review:
    case ast::Gate::Kind::ReviewEach:
      c.kind = ir::Check::Kind::Review;
      c.agent = reviewer;
      break;
    case ast::Gate::Kind::Check:
      c.kind = ir::Check::Kind::Command;
      c.command = gate.text ? gate.text->value : "";
      break;
    case ast::Gate::Kind::Approve:
      c.kind = ir::Check::Kind::Human;
      c.question = gate.text ? gate.text->value : "";
      break;
    case ast::Gate::Kind::Verdict:  // the judged step is filled in by the gate's lowering
      c.kind = ir::Check::Kind::Verdict;
      break;
  }
  return c;
}

ir::OnExhausted lower_on_exhausted(ast::OnExhausted e) {
  switch (e) {
    case ast::OnExhausted::Stop: return ir::OnExhausted::Stop;
    case ast::OnExhausted::Continue: return ir::OnExhausted::Continue;
    case ast::OnExhausted::Ask: return ir::OnExhausted::Ask;
  }
  return ir::OnExhausted::Stop;
}

}  // namespace flow

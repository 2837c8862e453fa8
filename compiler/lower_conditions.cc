// Lowering, `when` conditions and the inputs they and `over` name: the conditions in force
// while steps are lowered, and the type of each input's default.
#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "compiler/lowerer.h"

namespace flow::lowering {

// `when`/`over` name an input of the right type; false when they do not.
bool Lowerer::check_input(const ast::Ident& name, ast::InputType want, const char* use) {
  const bool text = want == ast::InputType::Text, boolean = want == ast::InputType::Bool;
  const ast::InputDecl* in = program.find_input(name.name);
  if (!in) {
    report("E0104", name.span, fmt::format("no input named `{}`", name.name),
           suggest_inputs().did_you_mean(name.name,
                        boolean ? "declare it, for example `input NAME: bool = false`"
                        : text  ? "declare it, for example `input NAME: text = \"fast\"`"
                                : "declare it, for example `input NAME: list = [\"a\", \"b\"]`"));
    return false;
  }
  if (in->type != want) {
    Diagnostic d = make_diagnostic(
        "E0107", name.span,
        fmt::format("`{}` needs a `{}` input, but `{}` is not one", use,
                    boolean ? "bool" : text ? "text" : "list", name.name));
    d.secondary.push_back({in->type_span, "declared here"});
    d.help = boolean ? "`when` tests a `bool` input, such as `input deep: bool = false`"
             : text  ? "`==` and `!=` compare a `text` input with a string, such as "
                       "`input mode: text = \"fast\"`"
                     : "`over` fans out over a `list` input, such as `input areas: list`";
    diags.push_back(std::move(d));
    return false;
  }
  return true;
}

// Puts a `when` condition in force for the nodes made until the caller pops it: a plain
// `bool` input goes to `when`, anything else to `conds`. False when nothing was pushed.
bool Lowerer::push_condition(const ast::Condition& c) {
  using K = ast::Condition::Kind;
  if (c.kind == K::Truth && !c.negated) {
    if (!check_input(c.subject, ast::InputType::Bool, "when") ||
        std::find(when.begin(), when.end(), c.subject.name) != when.end())
      return false;
    when.push_back(c.subject.name);
    return true;
  }
  ir::Condition ic;
  ic.negated = c.negated;
  ic.name = c.subject.name;
  ic.loc = to_loc(c.span);
  if (c.kind == K::Truth) {
    if (!check_input(c.subject, ast::InputType::Bool, "when not")) return false;
    ic.kind = ir::Condition::Kind::Input;
  } else if (c.kind == K::Equals || c.kind == K::NotEquals) {
    if (!check_input(c.subject, ast::InputType::Text,
                     c.kind == K::Equals ? "when ... ==" : "when ... !="))
      return false;
    ic.kind = ir::Condition::Kind::Equals;
    ic.negated = c.kind == K::NotEquals;
    ic.value = c.value ? c.value->value : "";
  } else {
    ic.kind = c.kind == K::Passed ? ir::Condition::Kind::Passed
                                  : ir::Condition::Kind::PassedCleanly;
    StepCondition sc;
    sc.span = c.span;
    sc.step_span = c.subject.span;
    sc.first = static_cast<uint32_t>(out.flow.nodes.size());
    sc.slot = static_cast<uint32_t>(conds.size());
    pending_conds.push_back({sc, &c});
  }
  conds.push_back(std::move(ic));
  return true;
}

// Ends the condition `push_condition` put in force; step conditions learn their carriers.
void Lowerer::pop_condition(const ast::Condition& c) {
  if (c.kind == ast::Condition::Kind::Truth && !c.negated) {
    when.pop_back();
    return;
  }
  const ir::Condition& top = conds.back();
  if (top.kind == ir::Condition::Kind::Passed || top.kind == ir::Condition::Kind::PassedCleanly)
    for (auto it = pending_conds.rbegin(); it != pending_conds.rend(); ++it)
      if (it->second == &c) {
        it->first.last = static_cast<uint32_t>(out.flow.nodes.size());
        break;
      }
  conds.pop_back();
}

// A default must have its input's type: a `bool` input with a list default would make
// every `when` on it skip its steps, without a word.
void Lowerer::check_input_defaults() {
  static constexpr const char* kType[] = {"text", "number", "bool", "list"};
  static constexpr const char* kValue[] = {"a string", "a number", "`true` or `false`",
                                           "a list"};
  static constexpr const char* kExample[] = {"\"text\"", "3", "false", "[\"a\", \"b\"]"};
  for (const ast::InputDecl* in : program.inputs) {
    if (!in->default_value) continue;
    auto want = static_cast<size_t>(in->type);
    static_assert(size_t(ast::Value::Kind::List) == size_t(ast::InputType::List) &&
                  size_t(ast::Value::Kind::Integer) == size_t(ast::InputType::Number));
    auto got = static_cast<size_t>(in->default_value->kind);  // same order as InputType
    if (want == got) continue;
    Diagnostic d = make_diagnostic(
        "E0107", in->default_value->span,
        fmt::format("input `{}` is a `{}`, but its default is {}", in->name.name, kType[want],
                    kValue[got]));
    d.secondary.push_back({in->type_span, "declared here"});
    d.help = fmt::format("give it {} default, such as `= {}`, or change its type to `{}`",
                         want == 0 ? "a string" : fmt::format("a `{}`", kType[want]),
                         kExample[want], kType[got]);
    diags.push_back(std::move(d));
  }
}

}  // namespace flow::lowering

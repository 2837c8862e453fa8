#include "lang/ast_dump.h"

#include <fmt/format.h>

namespace flow {
namespace {

// Declared first: the templates below call them for the elements of vectors and optionals.
std::string dump(const ast::Ident& i);
std::string dump(const ast::String& s);
std::string dump(const ast::Integer& i);
std::string dump(const ast::Condition& c);
std::string dump(const ast::Gate& g);
std::string dump(const ast::Step& s);
std::string dump(const ast::Value& v);
std::string dump(const ast::InputDecl& i);
std::string dump(const ast::UseDecl& u);
std::string dump(const ast::AgentDecl& a);
std::string dump(const ast::AgentsDecl& a);
std::string dump(const ast::StageDecl& s);
std::string dump(const ast::RuleDecl& r);
std::string dump(const ast::FlowDecl& f);

std::string dump(const Span& s) {
  return fmt::format("@{}:{}-{}:{}:{}-{}:{}", s.file, s.begin.offset, s.begin.line,
                     s.begin.col, s.end.offset, s.end.line, s.end.col);
}
std::string dump(const ast::Ident& i) { return i.name + dump(i.span); }
std::string dump(const ast::String& s) { return "\"" + s.value + "\"" + dump(s.span); }
std::string dump(const ast::Integer& i) { return std::to_string(i.value) + dump(i.span); }
template <typename T>
std::string dump(const std::vector<T>& v) {
  std::string out = "[";
  for (const T& x : v) out += dump(x) + ",";
  return out + "]";
}
template <typename T>
std::string dump(const std::optional<T>& o) { return o ? dump(*o) : "-"; }
std::string dump(const ast::Condition& c) {
  return fmt::format("when({},{},{},{}{})", int(c.kind), c.negated, dump(c.subject),
                     dump(c.value), dump(c.span));
}
std::string dump(const ast::Gate& g) {
  return fmt::format("gate({},{},{}{})", int(g.kind), dump(g.reviewer), dump(g.text),
                     dump(g.span));
}
std::string dump(const ast::Step& s) {
  std::string out = fmt::format(
      "step({}{} agent={} focus={} over={} {} cap={} text={} block={},{}{} as={} after={} "
      "uses={} when={} gates={} retries={} else={}{} back={}",
      int(s.kind), dump(s.span), dump(s.agent), dump(s.focus),
      s.over ? dump(s.over->list) : "-", s.over ? dump(s.over->input) : "-",
      s.over ? dump(s.over->cap) + dump(s.over->span) : "-", dump(s.text), int(s.block), s.block_keyword,
      dump(s.open_span), dump(s.as), dump(s.after), dump(s.uses),
      s.when ? dump(*s.when) : "-", dump(s.gates), dump(s.retries),
      s.on_exhausted ? int(*s.on_exhausted) : -1, dump(s.on_exhausted_span),
      s.back_to ? dump(*s.back_to) : "-");
  return out + " children=" + dump(s.children) + ")\n";
}
std::string dump(const ast::Value& v) {
  return fmt::format("value({},{},{},{},{}{})", int(v.kind), v.text, v.integer, v.boolean,
                     dump(v.list), dump(v.span));
}
std::string dump(const ast::InputDecl& i) {
  return fmt::format("input {} {}{} {} {}{}\n", dump(i.name), int(i.type), dump(i.type_span),
                     dump(i.default_value), dump(i.description), dump(i.span));
}
std::string dump(const ast::UseDecl& u) {
  return fmt::format("use {} {}{}{}\n", u.is_file, u.target, dump(u.span), dump(u.target_span));
}
std::string dump(const ast::AgentDecl& a) {
  return fmt::format("agent {} {} {} {} {} {} {} {} {} {} {}{}\n", dump(a.name), dump(a.from),
                     dump(a.description), dump(a.model), dump(a.tools),
                     dump(a.disallowed_tools), dump(a.permission_mode), dump(a.max_turns),
                     dump(a.writes), dump(a.role), dump(a.prompt), dump(a.span));
}
std::string dump(const ast::AgentsDecl& a) { return "agents " + dump(a.dir) + dump(a.span) + "\n"; }
std::string dump(const ast::StageDecl& s) {
  return fmt::format("stage {} {} {}{}\n  {}", dump(s.name), dump(s.after),
                     s.when ? dump(*s.when) : "-", dump(s.span), dump(s.body));
}
std::string dump(const ast::RuleDecl& r) {
  return fmt::format("rule {} {} {} {} {} {}{}\n", int(r.kind), dump(r.a), dump(r.b),
                     dump(r.limit), r.amount, dump(r.globs), dump(r.span));
}
std::string dump(const ast::FlowDecl& f) { return "flow " + dump(f.name) + dump(f.description); }

}  // namespace

std::string dump_parse(const ParseResult& r) {
  const ast::File& f = r.file;
  std::string out = fmt::format("file {} {}\n", f.source, dump(f.flow));
  out += dump(f.inputs) + dump(f.uses) + dump(f.agents) + dump(f.agent_dirs) + dump(f.stages) +
         dump(f.rules);
  for (const Diagnostic& d : r.diagnostics)
    out += fmt::format("{} {} {} help={}\n", d.code, d.message, dump(d.span), d.help);
  return out;
}

}  // namespace flow

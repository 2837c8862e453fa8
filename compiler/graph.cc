#include "compiler/graph.h"

#include <algorithm>

#include <fmt/format.h>

namespace flow {
namespace {

// Where rework re-enters a gated unit: members that wait for nothing else inside it.
std::vector<uint32_t> rework_targets(const ir::Flow& f, const ir::Node& gate,
                                     std::vector<uint32_t>& stamp) {
  const std::vector<uint32_t>& members = gate.gate().members;
  for (uint32_t m : members) stamp[m] = gate.id + 1;
  std::vector<uint32_t> out;
  for (uint32_t m : members) {
    bool inner = false;
    for (uint32_t d : f.nodes[m].deps) inner = inner || stamp[d] == gate.id + 1;
    if (!inner) out.push_back(m);
  }
  return out;
}

// A gate with `back to` sends the work further back than the step it guards.
std::string rework_label(const ir::Node& node) {
  const ir::Gate& gate = node.gate();
  return gate.back_to.empty() ? "rework" : "back to " + gate.back_to;
}

std::string label(const ir::Flow& f, const ir::Node& n) {
  switch (n.kind()) {
    case ir::NodeKind::Agent: {
      const ir::AgentCall& a = n.agent_call();
      const std::string& agent = f.agent_name(a.agent);
      std::string s = n.name == agent ? n.name : n.name + " (" + agent + ")";
      if (!a.fanout.empty()) s += fmt::format(" x{}", a.fanout.size());
      if (!a.fanout_input.empty()) s += " over " + a.fanout_input;
      if (a.fanout_step != ir::kNoId)
        s += fmt::format(" over {} up to {}", f.node_name(a.fanout_step), a.fanout_cap);
      return s;
    }
    case ir::NodeKind::Command: return n.name + ": " + n.command_run().command;
    case ir::NodeKind::Human: {
      const std::string& question = n.approval().question;
      return n.name + (question.empty() ? "" : ": " + question);
    }
    case ir::NodeKind::Gate: {
      std::string s = "gate";
      for (const ir::Check& c : n.gate().checks)
        s += c.kind == ir::Check::Kind::Review    ? " review " + f.agent_name(c.agent)
             : c.kind == ir::Check::Kind::Command ? " check"
             : c.kind == ir::Check::Kind::Verdict ? " verdict"
                                                  : " approve";
      return s + fmt::format(" (retries {})", n.gate().retries);
    }
  }
  return n.name;
}

// A node's `when` conditions as written: its `bool` inputs, then the others.
std::vector<std::string> conditions_of(const ir::Node& n) {
  std::vector<std::string> out = n.when;
  for (const ir::Condition& c : n.conditions) out.push_back(ir::describe(c));
  return out;
}

// The conditions every node of a stage carries: a `when` on the stage (or on all it holds),
// drawn once on the stage rather than on each node.
std::vector<std::string> stage_conditions(const ir::Flow& f, const ir::Stage& stage) {
  if (stage.nodes.empty()) return {};
  std::vector<std::string> common = conditions_of(f.nodes[stage.nodes[0]]);
  for (uint32_t id : stage.nodes) {
    std::vector<std::string> mine = conditions_of(f.nodes[id]);
    std::erase_if(common, [&](const std::string& c) {
      return std::find(mine.begin(), mine.end(), c) == mine.end();
    });
  }
  return common;
}

// A node's own conditions: those its stage does not already show.
std::vector<std::string> node_conditions(const ir::Node& n, const std::vector<std::string>& shown) {
  std::vector<std::string> out = conditions_of(n);
  std::erase_if(out, [&](const std::string& c) {
    return std::find(shown.begin(), shown.end(), c) != shown.end();
  });
  return out;
}

// "when open-prs", "when deep and mode == \"fast\"": the words a flow writes, so a reader
// sees that what carries it runs only then.
std::string when_text(const std::vector<std::string>& conditions) {
  std::string out;
  for (const std::string& c : conditions) out += (out.empty() ? "when " : " and ") + c;
  return out;
}

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out + "\"";
}

std::string mermaid_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') out += "#quot;";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string dot_node(const ir::Flow& f, const ir::Node& n, const std::vector<std::string>& staged) {
  const char* shape = n.kind() == ir::NodeKind::Agent     ? "box"
                      : n.kind() == ir::NodeKind::Command ? "parallelogram"
                      : n.kind() == ir::NodeKind::Human   ? "hexagon"
                                                        : "diamond";
  std::vector<std::string> own = node_conditions(n, staged);
  std::string style = n.kind() == ir::NodeKind::Gate ? "filled" : "";
  if (!own.empty()) style += style.empty() ? "dashed" : ",dashed";
  std::string extra = style.empty() ? "" : ", style=" + (own.empty() ? style : dot_quote(style));
  if (n.kind() == ir::NodeKind::Gate) extra += ", fillcolor=\"#ffe8b0\"";
  else if (n.is_fanout()) extra += ", peripheries=2";
  std::string text = label(f, n) + (own.empty() ? "" : "\n" + when_text(own));
  return fmt::format("    n{} [label={}, shape={}{}];\n", n.id, dot_quote(text), shape, extra);
}

}  // namespace

std::string graph_dot(const ir::Flow& f) {
  std::string out = fmt::format("digraph {} {{\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n",
                                dot_quote(f.name));
  for (size_t s = 0; s < f.stages.size(); ++s) {
    // A conditional stage or node: `when ...` under its name and a dashed outline.
    std::vector<std::string> staged = stage_conditions(f, f.stages[s]);
    out += fmt::format("  subgraph cluster_{} {{\n    label={};\n    style={};\n", s,
                       dot_quote(f.stages[s].name + (staged.empty() ? "" : "\n" + when_text(staged))),
                       staged.empty() ? "rounded" : "\"rounded,dashed\"");
    for (uint32_t id : f.stages[s].nodes) out += dot_node(f, f.nodes[id], staged);
    out += "  }\n";
  }
  std::vector<uint32_t> stamp(f.nodes.size(), 0);
  for (const ir::Node& n : f.nodes) {
    for (uint32_t d : n.deps)
      out += fmt::format("  n{} -> n{}{};\n", d, n.id,
                         n.kind() == ir::NodeKind::Gate ? " [style=bold]" : "");
    if (n.kind() == ir::NodeKind::Gate)
      for (uint32_t t : rework_targets(f, n, stamp))
        out += fmt::format(
            "  n{} -> n{} [style=dashed, color=red, label=\"{}\", constraint=false];\n", n.id,
            t, rework_label(n));
  }
  return out + "}\n";
}

std::string graph_mermaid(const ir::Flow& f) {
  std::string out = "flowchart TD\n";
  std::vector<uint32_t> conditional;
  std::string stage_styles;
  for (size_t s = 0; s < f.stages.size(); ++s) {
    // A conditional stage or node: `when ...` on a line under its name and a dashed outline.
    std::vector<std::string> staged = stage_conditions(f, f.stages[s]);
    out += fmt::format("  subgraph s{}[\"{}\"]\n", s,
                       mermaid_text(f.stages[s].name) +
                           (staged.empty() ? "" : "<br/>" + mermaid_text(when_text(staged))));
    if (!staged.empty()) stage_styles += fmt::format("  style s{} stroke-dasharray: 5 5\n", s);
    for (uint32_t id : f.stages[s].nodes) {
      const ir::Node& n = f.nodes[id];
      std::vector<std::string> own = node_conditions(n, staged);
      std::string text = mermaid_text(label(f, n)) + (own.empty() ? "" : "<br/>" + mermaid_text(when_text(own)));
      if (!own.empty()) conditional.push_back(id);
      switch (n.kind()) {
        case ir::NodeKind::Agent: out += fmt::format("    n{}[\"{}\"]\n", id, text); break;
        case ir::NodeKind::Command: out += fmt::format("    n{}[/\"{}\"/]\n", id, text); break;
        case ir::NodeKind::Human: out += fmt::format("    n{}{{{{\"{}\"}}}}\n", id, text); break;
        case ir::NodeKind::Gate: out += fmt::format("    n{}{{\"{}\"}}\n", id, text); break;
      }
    }
    out += "  end\n";
  }
  std::vector<uint32_t> stamp(f.nodes.size(), 0);
  for (const ir::Node& n : f.nodes) {
    for (uint32_t d : n.deps)
      out += fmt::format("  n{} {} n{}\n", d, n.kind() == ir::NodeKind::Gate ? "==>" : "-->", n.id);
    if (n.kind() == ir::NodeKind::Gate)
      for (uint32_t t : rework_targets(f, n, stamp))
        out += fmt::format("  n{} -. {} .-> n{}\n", n.id, rework_label(n), t);
  }
  for (const ir::Node& n : f.nodes)
    if (n.kind() == ir::NodeKind::Gate) out += fmt::format("  class n{} gate\n", n.id);
  out += "  classDef gate fill:#ffe8b0,stroke:#b07800\n";
  for (uint32_t id : conditional) out += fmt::format("  class n{} conditional\n", id);
  if (!conditional.empty()) out += "  classDef conditional stroke-dasharray: 5 5\n";
  return out + stage_styles;
}

}  // namespace flow

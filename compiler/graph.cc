#include "compiler/graph.h"

#include <fmt/format.h>

namespace flow {
namespace {

// Where rework re-enters a gated unit: members that wait for nothing else inside it.
std::vector<uint32_t> rework_targets(const ir::Flow& f, const ir::Node& gate,
                                     std::vector<uint32_t>& stamp) {
  for (uint32_t m : gate.members) stamp[m] = gate.id + 1;
  std::vector<uint32_t> out;
  for (uint32_t m : gate.members) {
    bool inner = false;
    for (uint32_t d : f.nodes[m].deps) inner = inner || stamp[d] == gate.id + 1;
    if (!inner) out.push_back(m);
  }
  return out;
}

// A gate with `back to` sends the work further back than the step it guards.
std::string rework_label(const ir::Node& gate) {
  return gate.back_to.empty() ? "rework" : "back to " + gate.back_to;
}

std::string label(const ir::Node& n) {
  switch (n.kind) {
    case ir::NodeKind::Agent: {
      std::string s = n.name == n.agent ? n.name : n.name + " (" + n.agent + ")";
      if (!n.fanout.empty()) s += fmt::format(" x{}", n.fanout.size());
      if (!n.fanout_input.empty()) s += " over " + n.fanout_input;
      if (!n.fanout_step.empty()) s += fmt::format(" over {} up to {}", n.fanout_step, n.fanout_cap);
      return s;
    }
    case ir::NodeKind::Command: return n.name + ": " + n.command;
    case ir::NodeKind::Human: return n.name + (n.question.empty() ? "" : ": " + n.question);
    case ir::NodeKind::Gate: {
      std::string s = "gate";
      for (const ir::Check& c : n.checks)
        s += c.kind == ir::Check::Kind::Review    ? " review " + c.agent
             : c.kind == ir::Check::Kind::Command ? " check"
             : c.kind == ir::Check::Kind::Verdict ? " verdict"
                                                  : " approve";
      return s + fmt::format(" (retries {})", n.retries);
    }
  }
  return n.name;
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

}  // namespace

std::string graph_dot(const ir::Flow& f) {
  std::string out = fmt::format("digraph {} {{\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n",
                                dot_quote(f.name));
  for (size_t s = 0; s < f.stages.size(); ++s) {
    out += fmt::format("  subgraph cluster_{} {{\n    label={};\n    style=rounded;\n", s,
                       dot_quote(f.stages[s].name));
    for (uint32_t id : f.stages[s].nodes) {
      const ir::Node& n = f.nodes[id];
      const char* shape = n.kind == ir::NodeKind::Agent     ? "box"
                          : n.kind == ir::NodeKind::Command ? "parallelogram"
                          : n.kind == ir::NodeKind::Human   ? "hexagon"
                                                            : "diamond";
      std::string extra = n.kind == ir::NodeKind::Gate
                              ? ", style=filled, fillcolor=\"#ffe8b0\""
                              : n.is_fanout() ? ", peripheries=2" : "";
      out += fmt::format("    n{} [label={}, shape={}{}];\n", id, dot_quote(label(n)), shape, extra);
    }
    out += "  }\n";
  }
  std::vector<uint32_t> stamp(f.nodes.size(), 0);
  for (const ir::Node& n : f.nodes) {
    for (uint32_t d : n.deps)
      out += fmt::format("  n{} -> n{}{};\n", d, n.id,
                         n.kind == ir::NodeKind::Gate ? " [style=bold]" : "");
    if (n.kind == ir::NodeKind::Gate)
      for (uint32_t t : rework_targets(f, n, stamp))
        out += fmt::format(
            "  n{} -> n{} [style=dashed, color=red, label=\"{}\", constraint=false];\n", n.id,
            t, rework_label(n));
  }
  return out + "}\n";
}

std::string graph_mermaid(const ir::Flow& f) {
  std::string out = "flowchart TD\n";
  for (size_t s = 0; s < f.stages.size(); ++s) {
    out += fmt::format("  subgraph s{}[\"{}\"]\n", s, mermaid_text(f.stages[s].name));
    for (uint32_t id : f.stages[s].nodes) {
      const ir::Node& n = f.nodes[id];
      std::string text = mermaid_text(label(n));
      switch (n.kind) {
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
      out += fmt::format("  n{} {} n{}\n", d, n.kind == ir::NodeKind::Gate ? "==>" : "-->", n.id);
    if (n.kind == ir::NodeKind::Gate)
      for (uint32_t t : rework_targets(f, n, stamp))
        out += fmt::format("  n{} -. {} .-> n{}\n", n.id, rework_label(n), t);
  }
  for (const ir::Node& n : f.nodes)
    if (n.kind == ir::NodeKind::Gate) out += fmt::format("  class n{} gate\n", n.id);
  out += "  classDef gate fill:#ffe8b0,stroke:#b07800\n";
  return out;
}

}  // namespace flow

// Writing the IR's JSON form; reading it is in ir_json_read.cc.
#include "ir/ir_json.h"

#include <nlohmann/json.hpp>

namespace flow::ir {
namespace {

using ojson = nlohmann::ordered_json;
using Files = std::vector<std::string>;

ojson loc_json(const Files& files, const Loc& l) {
  if (l.line == 0) return nullptr;
  return ojson{{"file", l.file < files.size() ? files[l.file] : files[0]}, {"line", l.line}, {"col", l.col},
               {"end_line", l.end_line}, {"end_col", l.end_col}};
}

ojson check_json(const Flow& f, const Check& c) {
  ojson j{{"kind", to_string(c.kind)}};
  switch (c.kind) {
    case Check::Kind::Review: j["agent"] = f.agent_name(c.agent); break;
    case Check::Kind::Command: j["command"] = c.command; break;
    case Check::Kind::Human: j["question"] = c.question; break;
    case Check::Kind::Verdict: j["step"] = f.node_name(c.step); break;
  }
  j["loc"] = loc_json(f.files, c.loc);
  return j;
}

ojson condition_json(const Files& files, const Condition& c) {
  ojson j{{"kind", to_string(c.kind)}, {"name", c.name}, {"not", c.negated}};
  if (c.kind == Condition::Kind::Equals) j["value"] = c.value;
  if (c.kind == Condition::Kind::Passed || c.kind == Condition::Kind::PassedCleanly)
    j["nodes"] = c.nodes;
  j["loc"] = loc_json(files, c.loc);
  return j;
}

ojson node_json(const Flow& f, const Node& n) {
  const Files& files = f.files;
  ojson j{{"id", n.id}, {"name", n.name}, {"kind", to_string(n.kind())},
          {"stage", f.stage_of(n)}, {"deps", n.deps}};
  if (!n.when.empty()) j["when"] = n.when;
  if (!n.conditions.empty()) {
    ojson cs = ojson::array();
    for (const Condition& c : n.conditions) cs.push_back(condition_json(files, c));
    j["conditions"] = std::move(cs);
  }
  switch (n.kind()) {
    case NodeKind::Agent: {
      const AgentCall& a = n.agent_call();
      j["agent"] = f.agent_name(a.agent);
      if (!a.focus.empty()) j["focus"] = a.focus;
      if (!a.fanout.empty()) j["fanout"] = a.fanout;
      if (!a.fanout_input.empty()) j["fanout_input"] = a.fanout_input;
      if (a.fanout_step != kNoId) {
        j["fanout_step"] = f.node_name(a.fanout_step);
        j["fanout_cap"] = a.fanout_cap;
      }
      break;
    }
    case NodeKind::Command: j["command"] = n.command_run().command; break;
    case NodeKind::Human: j["question"] = n.approval().question; break;
    case NodeKind::Gate: {
      const Gate& g = n.gate();
      j["target"] = g.target;
      j["members"] = g.members;
      ojson checks = ojson::array();
      for (const Check& c : g.checks) checks.push_back(check_json(f, c));
      j["checks"] = std::move(checks);
      j["retries"] = g.retries;
      j["on_exhausted"] = to_string(g.on_exhausted);
      if (!g.back_to.empty()) j["back_to"] = g.back_to;
      if (g.per_item) j["per_item"] = true;
      break;
    }
  }
  j["loc"] = loc_json(files, n.loc);
  return j;
}

// Text the compiler made from YAML is always valid JSON; anything else is kept as a string
// rather than thrown on.
ojson json_value(const std::string& text) {
  ojson v = ojson::parse(text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? ojson(text) : v;
}

// The Claude Code fields are written only when given, so an agent that gives none reads the
// same as before they existed; `tools` is always written: null (every tool) or a list.
ojson agent_json(const Files& files, const Agent& a) {
  ojson j{{"name", a.name}, {"description", a.description}, {"model", a.model},
          {"role", a.role}};
  j["tools"] = a.tools ? ojson(*a.tools) : ojson(nullptr);
  if (!a.disallowed_tools.empty()) j["disallowed_tools"] = a.disallowed_tools;
  if (!a.permission_mode.empty()) j["permission_mode"] = a.permission_mode;
  if (a.max_turns > 0) j["max_turns"] = a.max_turns;
  if (!a.skills.empty()) j["skills"] = a.skills;
  if (!a.mcp_servers.empty()) j["mcp_servers"] = json_value(a.mcp_servers);
  if (!a.hooks.empty()) j["hooks"] = json_value(a.hooks);
  if (!a.memory.empty()) j["memory"] = a.memory;
  if (a.background) j["background"] = true;
  if (!a.effort.empty()) j["effort"] = a.effort;
  if (!a.isolation.empty()) j["isolation"] = a.isolation;
  if (!a.color.empty()) j["color"] = a.color;
  if (!a.initial_prompt.empty()) j["initial_prompt"] = a.initial_prompt;
  j["writes"] = a.writes;
  j["prompt"] = a.prompt;
  j["source"] = a.source;
  j["loc"] = loc_json(files, a.loc);
  return j;
}

ojson to_json(const Flow& f) {
  const Files& files = f.files;
  ojson j{{"version", f.version}, {"name", f.name}, {"description", f.description},
          {"source", f.source}};
  ojson inputs = ojson::array();
  for (const Input& in : f.inputs) {
    ojson i{{"name", in.name}, {"type", in.type}};
    if (in.default_value) i["default"] = ojson::parse(*in.default_value);
    i["description"] = in.description;
    i["loc"] = loc_json(files, in.loc);
    inputs.push_back(std::move(i));
  }
  j["inputs"] = std::move(inputs);
  ojson agents = ojson::array();
  for (const Agent& a : f.agents)
    if (a.declared) agents.push_back(agent_json(files, a));
  j["agents"] = std::move(agents);
  ojson stages = ojson::array();
  for (const Stage& s : f.stages)
    if (s.declared)
      stages.push_back(ojson{{"name", s.name}, {"nodes", s.nodes}, {"after", s.after},
                           {"loc", loc_json(files, s.loc)}});
  j["stages"] = std::move(stages);
  ojson nodes = ojson::array();
  for (const Node& n : f.nodes) nodes.push_back(node_json(f, n));
  j["nodes"] = std::move(nodes);
  ojson rules = ojson::array();
  for (const Rule& r : f.rules) {
    ojson rj{{"kind", to_string(r.kind)}};
    if (!r.a.empty()) rj["a"] = r.a;
    if (!r.b.empty()) rj["b"] = r.b;
    if (r.kind == Rule::Kind::AtMostCalls || r.kind == Rule::Kind::AtMostTokens)
      rj["limit"] = r.limit;
    if (r.kind == Rule::Kind::AtMostCost) rj["limit_usd"] = r.limit_usd;
    if (!r.globs.empty()) rj["globs"] = r.globs;
    rj["loc"] = loc_json(files, r.loc);
    rules.push_back(std::move(rj));
  }
  j["rules"] = std::move(rules);
  return j;
}

}  // namespace

std::string to_json_text(const Flow& f) { return to_json(f).dump(2) + "\n"; }

}  // namespace flow::ir

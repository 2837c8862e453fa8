#include "ir/ir_json.h"

#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace flow::ir {
namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;
using Files = std::vector<std::string>;

ojson loc_json(const Files& files, const Loc& l) {
  if (l.line == 0) return nullptr;
  return ojson{{"file", l.file < files.size() ? files[l.file] : files[0]}, {"line", l.line}, {"col", l.col},
               {"end_line", l.end_line}, {"end_col", l.end_col}};
}

ojson check_json(const Files& files, const Check& c) {
  ojson j{{"kind", to_string(c.kind)}};
  switch (c.kind) {
    case Check::Kind::Review: j["agent"] = c.agent; break;
    case Check::Kind::Command: j["command"] = c.command; break;
    case Check::Kind::Human: j["question"] = c.question; break;
    case Check::Kind::Verdict: j["step"] = c.step; break;
  }
  j["loc"] = loc_json(files, c.loc);
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

ojson node_json(const Files& files, const Node& n) {
  ojson j{{"id", n.id}, {"name", n.name}, {"kind", to_string(n.kind)}, {"stage", n.stage},
          {"deps", n.deps}};
  if (!n.when.empty()) j["when"] = n.when;
  if (!n.conditions.empty()) {
    ojson cs = ojson::array();
    for (const Condition& c : n.conditions) cs.push_back(condition_json(files, c));
    j["conditions"] = std::move(cs);
  }
  switch (n.kind) {
    case NodeKind::Agent:
      j["agent"] = n.agent;
      if (!n.focus.empty()) j["focus"] = n.focus;
      if (!n.fanout.empty()) j["fanout"] = n.fanout;
      if (!n.fanout_input.empty()) j["fanout_input"] = n.fanout_input;
      if (!n.fanout_step.empty()) {
        j["fanout_step"] = n.fanout_step;
        j["fanout_cap"] = n.fanout_cap;
      }
      break;
    case NodeKind::Command: j["command"] = n.command; break;
    case NodeKind::Human: j["question"] = n.question; break;
    case NodeKind::Gate: {
      j["target"] = n.target;
      j["members"] = n.members;
      ojson checks = ojson::array();
      for (const Check& c : n.checks) checks.push_back(check_json(files, c));
      j["checks"] = std::move(checks);
      j["retries"] = n.retries;
      j["on_exhausted"] = to_string(n.on_exhausted);
      if (!n.back_to.empty()) j["back_to"] = n.back_to;
      if (n.per_item) j["per_item"] = true;
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

// --- reading -------------------------------------------------------------------------------

struct ReadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json& field(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) throw ReadError(where + ": expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) throw ReadError(where + ": missing field \"" + key + "\"");
  return *it;
}

std::string str(const json& obj, const char* key, const std::string& where, bool required = true) {
  if (!required && (!obj.contains(key) || obj[key].is_null())) return "";
  const json& v = field(obj, key, where);
  if (!v.is_string()) throw ReadError(where + "/" + key + ": expected a string");
  return v.get<std::string>();
}

std::vector<std::string> strs(const json& obj, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!obj.contains(key)) return out;
  const json& v = obj[key];
  if (!v.is_array()) throw ReadError(where + "/" + key + ": expected an array of strings");
  for (const json& e : v) {
    if (!e.is_string()) throw ReadError(where + "/" + key + ": expected an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<uint32_t> ids(const json& obj, const char* key, const std::string& where,
                          size_t node_count) {
  std::vector<uint32_t> out;
  if (!obj.contains(key)) return out;
  const json& v = obj[key];
  if (!v.is_array()) throw ReadError(where + "/" + key + ": expected an array of node ids");
  for (const json& e : v) {
    if (!e.is_number_unsigned() || e.get<uint64_t>() >= node_count)
      throw ReadError(where + "/" + key + ": " + e.dump() + " is not a node id");
    out.push_back(e.get<uint32_t>());
  }
  return out;
}

// A location's file as an index into `files` (docs/ir.md keeps the path in each location).
uint32_t file_index(Files& files, const std::string& path) {
  if (path.empty()) return 0;
  for (size_t i = files.size(); i-- > 1;)  // the last file added is the likely one
    if (files[i] == path) return static_cast<uint32_t>(i);
  files.push_back(path);
  return static_cast<uint32_t>(files.size() - 1);
}

Loc read_loc(const json& obj, const std::string& where, Files& files) {
  Loc l;
  if (!obj.contains("loc") || obj["loc"].is_null()) return l;
  const json& j = obj["loc"];
  std::string w = where + "/loc";
  l.file = file_index(files, str(j, "file", w));
  auto num = [&](const char* k) {
    const json& v = field(j, k, w);
    if (!v.is_number_unsigned()) throw ReadError(w + "/" + k + ": expected a number");
    return v.get<uint32_t>();
  };
  l.line = num("line");
  l.col = num("col");
  l.end_line = num("end_line");
  l.end_col = num("end_col");
  return l;
}

template <typename Enum, size_t N>
Enum enum_of(const std::string& s, const Enum (&all)[N], const std::string& where) {
  for (Enum e : all)
    if (s == to_string(e)) return e;
  throw ReadError(where + ": unknown value \"" + s + "\"");
}

// A JSON value kept as compact text (mcp_servers, hooks); "" when absent or null.
std::string json_text(const json& obj, const char* key) {
  if (!obj.contains(key) || obj[key].is_null()) return "";
  return obj[key].dump();
}

Agent read_agent(const json& aj, const std::string& w, Files& files) {
  Agent a;
  a.name = str(aj, "name", w);
  a.description = str(aj, "description", w, false);
  a.model = str(aj, "model", w, false);
  a.role = str(aj, "role", w, false);
  if (a.role.empty()) a.role = "worker";
  if (aj.contains("tools") && !aj["tools"].is_null()) a.tools = strs(aj, "tools", w);
  a.disallowed_tools = strs(aj, "disallowed_tools", w);
  a.permission_mode = str(aj, "permission_mode", w, false);
  if (aj.contains("max_turns")) {
    const json& v = aj["max_turns"];
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > INT32_MAX)
      throw ReadError(w + "/max_turns: expected a positive integer");
    a.max_turns = v.get<int>();
  }
  a.skills = strs(aj, "skills", w);
  a.mcp_servers = json_text(aj, "mcp_servers");
  a.hooks = json_text(aj, "hooks");
  a.memory = str(aj, "memory", w, false);
  if (aj.contains("background")) {
    if (!aj["background"].is_boolean()) throw ReadError(w + "/background: expected true or false");
    a.background = aj["background"].get<bool>();
  }
  a.effort = str(aj, "effort", w, false);
  a.isolation = str(aj, "isolation", w, false);
  a.color = str(aj, "color", w, false);
  a.initial_prompt = str(aj, "initial_prompt", w, false);
  a.writes = strs(aj, "writes", w);
  a.prompt = str(aj, "prompt", w, false);
  a.source = str(aj, "source", w, false);
  a.loc = read_loc(aj, w, files);
  return a;
}

Input read_input(const json& ij, const std::string& w, Files& files) {
  Input in;
  in.name = str(ij, "name", w);
  in.type = str(ij, "type", w);
  if (in.type != "text" && in.type != "number" && in.type != "bool" && in.type != "list")
    throw ReadError(w + "/type: unknown type \"" + in.type + "\"");
  if (ij.contains("default")) in.default_value = ij["default"].dump();
  in.description = str(ij, "description", w, false);
  in.loc = read_loc(ij, w, files);
  return in;
}

Check read_check(const json& cj, const std::string& cw, Files& files) {
  Check ch;
  static const Check::Kind ckinds[] = {Check::Kind::Review, Check::Kind::Command,
                                       Check::Kind::Human, Check::Kind::Verdict};
  ch.kind = enum_of(str(cj, "kind", cw), ckinds, cw + "/kind");
  ch.agent = str(cj, "agent", cw, ch.kind == Check::Kind::Review);
  ch.command = str(cj, "command", cw, ch.kind == Check::Kind::Command);
  ch.question = str(cj, "question", cw, false);
  ch.step = str(cj, "step", cw, ch.kind == Check::Kind::Verdict);
  ch.loc = read_loc(cj, cw, files);
  return ch;
}

// The fields of a gate node: target, members, checks, retries, on_exhausted, back_to, per_item.
void read_gate(const json& nj, const std::string& w, size_t node_count, Node& n, Files& files) {
  n.target = str(nj, "target", w);
  n.members = ids(nj, "members", w, node_count);
  const json& checks = field(nj, "checks", w);
  if (!checks.is_array()) throw ReadError(w + "/checks: expected an array");
  for (size_t c = 0; c < checks.size(); ++c)
    n.checks.push_back(read_check(checks[c], w + "/checks/" + std::to_string(c), files));
  const json& retries = field(nj, "retries", w);
  if (!retries.is_number_integer() || retries.get<int64_t>() < 0 ||
      retries.get<int64_t>() > 1000)
    throw ReadError(w + "/retries: expected an integer from 0 to 1000");
  n.retries = retries.get<int>();
  static const OnExhausted ons[] = {OnExhausted::Stop, OnExhausted::Continue,
                                    OnExhausted::Ask};
  n.on_exhausted = enum_of(str(nj, "on_exhausted", w), ons, w + "/on_exhausted");
  n.back_to = str(nj, "back_to", w, false);
  if (nj.contains("per_item")) {
    if (!nj["per_item"].is_boolean()) throw ReadError(w + "/per_item: expected true or false");
    n.per_item = nj["per_item"].get<bool>();
  }
}

Condition read_condition(const json& cj, const std::string& w, size_t count, Files& files) {
  if (!cj.is_object()) throw ReadError(w + ": expected an object");
  Condition c;
  static const Condition::Kind kinds[] = {Condition::Kind::Input, Condition::Kind::Equals,
                                          Condition::Kind::Passed, Condition::Kind::PassedCleanly};
  c.kind = enum_of(str(cj, "kind", w), kinds, w + "/kind");
  c.name = str(cj, "name", w);
  if (cj.contains("not")) {
    if (!cj["not"].is_boolean()) throw ReadError(w + "/not: expected true or false");
    c.negated = cj["not"].get<bool>();
  }
  if (c.kind == Condition::Kind::Equals) c.value = str(cj, "value", w);
  c.nodes = ids(cj, "nodes", w, count);
  c.loc = read_loc(cj, w, files);
  return c;
}

Node read_node(const json& nj, size_t i, size_t count, Files& files) {
  std::string w = "/nodes/" + std::to_string(i);
  Node n;
  n.id = static_cast<uint32_t>(i);
  const json& id = field(nj, "id", w);
  if (!id.is_number_unsigned() || id.get<uint64_t>() != i)
    throw ReadError(w + "/id: expected " + std::to_string(i) + " (ids are array indices)");
  n.name = str(nj, "name", w);
  static const NodeKind kinds[] = {NodeKind::Agent, NodeKind::Command, NodeKind::Human,
                                   NodeKind::Gate};
  n.kind = enum_of(str(nj, "kind", w), kinds, w + "/kind");
  n.stage = str(nj, "stage", w);
  n.deps = ids(nj, "deps", w, count);
  n.when = strs(nj, "when", w);
  if (nj.contains("conditions")) {
    const json& cs = nj["conditions"];
    if (!cs.is_array()) throw ReadError(w + "/conditions: expected an array");
    for (size_t c = 0; c < cs.size(); ++c)
      n.conditions.push_back(read_condition(cs[c], w + "/conditions/" + std::to_string(c), count, files));
  }
  switch (n.kind) {
    case NodeKind::Agent:
      n.agent = str(nj, "agent", w);
      n.focus = str(nj, "focus", w, false);
      n.fanout = strs(nj, "fanout", w);
      n.fanout_input = str(nj, "fanout_input", w, false);
      n.fanout_step = str(nj, "fanout_step", w, false);
      if (!n.fanout_step.empty()) {
        const json& cap = field(nj, "fanout_cap", w);
        if (!cap.is_number_integer() || cap.get<int64_t>() < 1 || cap.get<int64_t>() > 999999999)
          throw ReadError(w + "/fanout_cap: expected an integer from 1 to 999999999");
        n.fanout_cap = cap.get<int>();
      }
      break;
    case NodeKind::Command: n.command = str(nj, "command", w); break;
    case NodeKind::Human: n.question = str(nj, "question", w, false); break;
    case NodeKind::Gate: read_gate(nj, w, count, n, files); break;
  }
  n.loc = read_loc(nj, w, files);
  for (uint32_t d : n.deps)
    if (d == n.id) throw ReadError(w + "/deps: a node cannot depend on itself");
  return n;
}

Stage read_stage(const json& sj, const std::string& w, size_t node_count, Files& files) {
  Stage s;
  s.name = str(sj, "name", w);
  s.nodes = ids(sj, "nodes", w, node_count);
  s.after = strs(sj, "after", w);
  s.loc = read_loc(sj, w, files);
  return s;
}

Rule read_rule(const json& rj, const std::string& w, Files& files) {
  Rule r;
  static const Rule::Kind rkinds[] = {Rule::Kind::Before, Rule::Kind::EveryStepReviewedBy,
                                      Rule::Kind::AtMostCalls, Rule::Kind::WritesOnly,
                                      Rule::Kind::AtMostTokens, Rule::Kind::AtMostCost};
  r.kind = enum_of(str(rj, "kind", w), rkinds, w + "/kind");
  r.a = str(rj, "a", w, false);
  r.b = str(rj, "b", w, false);
  if (rj.contains("limit")) r.limit = rj["limit"].get<int64_t>();
  if (rj.contains("limit_usd")) {
    if (!rj["limit_usd"].is_number()) throw ReadError(w + "/limit_usd: expected a number");
    r.limit_usd = rj["limit_usd"].get<double>();
  }
  r.globs = strs(rj, "globs", w);
  r.loc = read_loc(rj, w, files);
  return r;
}

Flow read_flow(const json& j) {
  Flow f;
  if (!j.is_object()) throw ReadError("/: expected an object");
  const json& version = field(j, "version", "");
  if (!version.is_number_integer() || version.get<int64_t>() < kOldestReadVersion ||
      version.get<int64_t>() > kVersion)
    throw ReadError("/version: this flow reads IR versions " + std::to_string(kOldestReadVersion) +
                    " to " + std::to_string(kVersion) + ", the file has " + version.dump() +
                    "; recompile it with flowc compile");
  f.name = str(j, "name", "");
  f.description = str(j, "description", "", false);
  f.source = str(j, "source", "", false);

  const json& inputs = j.value("inputs", json::array());
  for (size_t i = 0; i < inputs.size(); ++i)
    f.inputs.push_back(read_input(inputs[i], "/inputs/" + std::to_string(i), f.files));

  const json& agents = j.value("agents", json::array());
  for (size_t i = 0; i < agents.size(); ++i)
    f.agents.push_back(read_agent(agents[i], "/agents/" + std::to_string(i), f.files));

  const json& nodes = field(j, "nodes", "");
  if (!nodes.is_array()) throw ReadError("/nodes: expected an array");
  const size_t count = nodes.size();
  for (size_t i = 0; i < count; ++i) f.nodes.push_back(read_node(nodes[i], i, count, f.files));

  const json& stages = j.value("stages", json::array());
  for (size_t i = 0; i < stages.size(); ++i)
    f.stages.push_back(read_stage(stages[i], "/stages/" + std::to_string(i), count, f.files));

  const json& rules = j.value("rules", json::array());
  for (size_t i = 0; i < rules.size(); ++i)
    f.rules.push_back(read_rule(rules[i], "/rules/" + std::to_string(i), f.files));
  return f;
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
  for (const Agent& a : f.agents) agents.push_back(agent_json(files, a));
  j["agents"] = std::move(agents);
  ojson stages = ojson::array();
  for (const Stage& s : f.stages)
    stages.push_back(ojson{{"name", s.name}, {"nodes", s.nodes}, {"after", s.after},
                           {"loc", loc_json(files, s.loc)}});
  j["stages"] = std::move(stages);
  ojson nodes = ojson::array();
  for (const Node& n : f.nodes) nodes.push_back(node_json(files, n));
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

ReadResult from_json_text(const std::string& text) {
  ReadResult r;
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    r.error = "not valid JSON";
    return r;
  }
  try {
    r.flow = read_flow(j);
    r.ok = true;
  } catch (const ReadError& e) {
    r.error = e.what();
  } catch (const json::exception& e) {
    r.error = std::string("malformed IR: ") + e.what();
  }
  return r;
}

}  // namespace flow::ir

// Reading the IR's JSON form (docs/ir.md): the shape, the version and every id are checked
// here, so that a hostile file gives an error rather than an out-of-range access; what the
// ids mean is for validate() (ir_validate.cc).
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "ir/ir_json.h"

namespace flow::ir {
namespace {

using json = nlohmann::json;
using ReadFiles = std::vector<std::string>;

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
uint32_t file_index(ReadFiles& files, const std::string& path) {
  if (path.empty()) return 0;
  for (size_t i = files.size(); i-- > 1;)  // the last file added is the likely one
    if (files[i] == path) return static_cast<uint32_t>(i);
  files.push_back(path);
  return static_cast<uint32_t>(files.size() - 1);
}

Loc read_loc(const json& obj, const std::string& where, ReadFiles& files) {
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

Agent read_agent(const json& aj, const std::string& w, ReadFiles& files) {
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

Input read_input(const json& ij, const std::string& w, ReadFiles& files) {
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

// Names on the wire become ids as they are read. An agent or stage that is not declared is
// kept as an entry with `declared = false` (validate() names it in its error; ids stay in
// range); a node name is bound once every node is read, and one no node has is an error here.
struct Binder {
  Flow& f;
  std::unordered_map<std::string, uint32_t> agents, stages;
  struct NodeRef {
    uint32_t node = 0;
    uint32_t check = kNoId;  // kNoId: the node's fanout_step; else its gate's checks[check].step
    std::string name, where;
  };
  std::vector<NodeRef> node_refs;

  explicit Binder(Flow& flow) : f(flow) {
    for (size_t i = 0; i < f.agents.size(); ++i)
      agents.emplace(f.agents[i].name, static_cast<uint32_t>(i));
    for (size_t i = 0; i < f.stages.size(); ++i)
      stages.emplace(f.stages[i].name, static_cast<uint32_t>(i));
  }

  uint32_t agent(const std::string& name) {
    auto [it, fresh] = agents.emplace(name, static_cast<uint32_t>(f.agents.size()));
    if (fresh) {
      Agent& a = f.agents.emplace_back();
      a.name = name;
      a.declared = false;
    }
    return it->second;
  }

  uint32_t stage(const std::string& name) {
    auto [it, fresh] = stages.emplace(name, static_cast<uint32_t>(f.stages.size()));
    if (fresh) {
      Stage& s = f.stages.emplace_back();
      s.name = name;
      s.declared = false;
    }
    return it->second;
  }

  void bind_nodes() {
    if (node_refs.empty()) return;
    std::unordered_map<std::string_view, uint32_t> ids;
    ids.reserve(f.nodes.size());
    for (const Node& n : f.nodes) ids.emplace(n.name, n.id);  // the first of a repeated name
    for (const NodeRef& r : node_refs) {
      auto it = ids.find(r.name);
      if (it == ids.end()) throw ReadError(r.where + ": no node is named `" + r.name + "`");
      Node& n = f.nodes[r.node];
      (r.check == kNoId ? n.agent_call().fanout_step : n.gate().checks[r.check].step) = it->second;
    }
  }
};

Check read_check(const json& cj, const std::string& cw, Binder& b) {
  Check ch;
  static const Check::Kind ckinds[] = {Check::Kind::Review, Check::Kind::Command,
                                       Check::Kind::Human, Check::Kind::Verdict};
  ch.kind = enum_of(str(cj, "kind", cw), ckinds, cw + "/kind");
  if (ch.kind == Check::Kind::Review) ch.agent = b.agent(str(cj, "agent", cw));
  ch.command = str(cj, "command", cw, ch.kind == Check::Kind::Command);
  ch.question = str(cj, "question", cw, false);
  ch.loc = read_loc(cj, cw, b.f.files);
  return ch;
}

// The fields of a gate node: target, members, checks, retries, on_exhausted, back_to, per_item.
void read_gate(const json& nj, const std::string& w, size_t node_count, Node& node, Binder& b) {
  Gate& n = node.gate();
  n.target = str(nj, "target", w);
  n.members = ids(nj, "members", w, node_count);
  const json& checks = field(nj, "checks", w);
  if (!checks.is_array()) throw ReadError(w + "/checks: expected an array");
  for (size_t c = 0; c < checks.size(); ++c) {
    std::string cw = w + "/checks/" + std::to_string(c);
    n.checks.push_back(read_check(checks[c], cw, b));
    if (n.checks.back().kind == Check::Kind::Verdict)
      b.node_refs.push_back({node.id, static_cast<uint32_t>(c), str(checks[c], "step", cw),
                             cw + "/step"});
  }
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

Condition read_condition(const json& cj, const std::string& w, size_t count, ReadFiles& files) {
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

void read_node(const json& nj, size_t i, size_t count, Node& n, Binder& b) {
  ReadFiles& files = b.f.files;
  std::string w = "/nodes/" + std::to_string(i);
  n.id = static_cast<uint32_t>(i);
  const json& id = field(nj, "id", w);
  if (!id.is_number_unsigned() || id.get<uint64_t>() != i)
    throw ReadError(w + "/id: expected " + std::to_string(i) + " (ids are array indices)");
  n.name = str(nj, "name", w);
  static const NodeKind kinds[] = {NodeKind::Agent, NodeKind::Command, NodeKind::Human,
                                   NodeKind::Gate};
  n.set_kind(enum_of(str(nj, "kind", w), kinds, w + "/kind"));
  n.stage = b.stage(str(nj, "stage", w));
  n.deps = ids(nj, "deps", w, count);
  n.when = strs(nj, "when", w);
  if (nj.contains("conditions")) {
    const json& cs = nj["conditions"];
    if (!cs.is_array()) throw ReadError(w + "/conditions: expected an array");
    for (size_t c = 0; c < cs.size(); ++c)
      n.conditions.push_back(read_condition(cs[c], w + "/conditions/" + std::to_string(c), count, files));
  }
  switch (n.kind()) {
    case NodeKind::Agent: {
      AgentCall& a = n.agent_call();
      a.agent = b.agent(str(nj, "agent", w));
      a.focus = str(nj, "focus", w, false);
      a.fanout = strs(nj, "fanout", w);
      a.fanout_input = str(nj, "fanout_input", w, false);
      std::string step = str(nj, "fanout_step", w, false);
      if (!step.empty()) {
        b.node_refs.push_back({n.id, kNoId, std::move(step), w + "/fanout_step"});
        const json& cap = field(nj, "fanout_cap", w);
        if (!cap.is_number_integer() || cap.get<int64_t>() < 1 || cap.get<int64_t>() > 999999999)
          throw ReadError(w + "/fanout_cap: expected an integer from 1 to 999999999");
        a.fanout_cap = cap.get<int>();
      }
      break;
    }
    case NodeKind::Command: n.command_run().command = str(nj, "command", w); break;
    case NodeKind::Human: n.approval().question = str(nj, "question", w, false); break;
    case NodeKind::Gate: read_gate(nj, w, count, n, b); break;
  }
  n.loc = read_loc(nj, w, files);
  for (uint32_t d : n.deps)
    if (d == n.id) throw ReadError(w + "/deps: a node cannot depend on itself");
}

Stage read_stage(const json& sj, const std::string& w, size_t node_count, ReadFiles& files) {
  Stage s;
  s.name = str(sj, "name", w);
  s.nodes = ids(sj, "nodes", w, node_count);
  s.after = strs(sj, "after", w);
  s.loc = read_loc(sj, w, files);
  return s;
}

Rule read_rule(const json& rj, const std::string& w, ReadFiles& files) {
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

  // Stages before nodes, so that a node's stage binds to its index.
  const json& stages = j.value("stages", json::array());
  for (size_t i = 0; i < stages.size(); ++i)
    f.stages.push_back(read_stage(stages[i], "/stages/" + std::to_string(i), count, f.files));

  Binder binder(f);
  f.nodes.resize(count);
  for (size_t i = 0; i < count; ++i) read_node(nodes[i], i, count, f.nodes[i], binder);
  binder.bind_nodes();

  const json& rules = j.value("rules", json::array());
  for (size_t i = 0; i < rules.size(); ++i)
    f.rules.push_back(read_rule(rules[i], "/rules/" + std::to_string(i), f.files));
  return f;
}

}  // namespace

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

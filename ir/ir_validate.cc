#include "ir/ir_validate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "ir/topo_order.h"

namespace flow::ir {
namespace {

using Names = std::unordered_map<std::string, size_t>;

// Entries an IR file named without declaring them (ir.h); nodes are always declared.
bool is_declared(const Agent& a) { return a.declared; }
bool is_declared(const Stage& s) { return s.declared; }
bool is_declared(const Node&) { return true; }
bool is_declared(const Input&) { return true; }

std::string at(const char* list, size_t i) { return "/" + std::string(list) + "/" + std::to_string(i); }

// Fills `names` with name -> index; false with *error on an empty or repeated name.
template <typename T>
bool index_names(const std::vector<T>& items, const char* list, const char* what, Names* names,
                 std::string* error) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (!is_declared(items[i])) continue;
    const std::string& name = items[i].name;
    if (name.empty()) {
      *error = at(list, i) + "/name: " + what + " has an empty name";
      return false;
    }
    auto [it, fresh] = names->emplace(name, i);
    if (!fresh) {
      *error = at(list, i) + "/name: " + what + " `" + name + "` is already declared at " +
               at(list, it->second);
      return false;
    }
  }
  return true;
}

bool in_range(const std::vector<uint32_t>& ids, size_t count, const std::string& where,
              std::string* error) {
  for (size_t k = 0; k < ids.size(); ++k)
    if (ids[k] >= count) {
      *error = where + "/" + std::to_string(k) + ": " + std::to_string(ids[k]) + " is not a node id";
      return false;
    }
  return true;
}

bool sorted_unique(const std::vector<uint32_t>& ids) {
  for (size_t i = 1; i < ids.size(); ++i)
    if (ids[i - 1] >= ids[i]) return false;
  return true;
}

bool default_fits(const Input& in) {
  const nlohmann::json v = nlohmann::json::parse(*in.default_value, nullptr, false);
  if (v.is_discarded()) return false;
  if (in.type == "text") return v.is_string();
  if (in.type == "number") return v.is_number();
  if (in.type == "bool") return v.is_boolean();
  if (!v.is_array()) return false;
  for (const nlohmann::json& e : v)
    if (!e.is_string()) return false;
  return true;
}

bool check_inputs(const Flow& f, Names* inputs, std::string* error) {
  if (!index_names(f.inputs, "inputs", "an input", inputs, error)) return false;
  for (size_t i = 0; i < f.inputs.size(); ++i)
    if (f.inputs[i].default_value && !default_fits(f.inputs[i])) {
      *error = at("inputs", i) + "/default: does not match the input's type `" + f.inputs[i].type + "`";
      return false;
    }
  return true;
}

bool check_agents(const Flow& f, Names* agents, std::string* error) {
  if (!index_names(f.agents, "agents", "an agent", agents, error)) return false;
  for (size_t i = 0; i < f.agents.size(); ++i) {
    if (!f.agents[i].declared) continue;
    const std::string& role = f.agents[i].role;
    if (role != "worker" && role != "coordinator" && role != "reviewer") {
      *error = at("agents", i) + "/role: unknown role `" + role +
               "` (expected worker, coordinator or reviewer)";
      return false;
    }
  }
  return true;
}

// `name` must be an input of `type` (when, fanout_input).
bool input_of_type(const Flow& f, const Names& inputs, const std::string& name,
                   const char* type, const std::string& where, std::string* error) {
  auto it = inputs.find(name);
  if (it == inputs.end()) {
    *error = where + ": input `" + name + "` is not declared in /inputs";
    return false;
  }
  if (f.inputs[it->second].type != type) {
    *error = where + ": input `" + name + "` is a " + f.inputs[it->second].type + ", not a " + type;
    return false;
  }
  return true;
}

// `fanout_step` names an agent step (not itself a fan-out) that `n` waits for, directly or
// through other nodes: its answer must exist before the items can be read.
bool fanout_step_ok(const Flow& f, const Node& n) {
  const AgentCall& call = n.agent_call();
  if (call.fanout_step >= f.nodes.size()) return false;
  const Node* p = &f.nodes[call.fanout_step];
  if (p->kind() != NodeKind::Agent || p->is_fanout() || call.fanout_cap < 1) return false;
  std::vector<uint8_t> seen(f.nodes.size(), 0);
  std::vector<uint32_t> work(n.deps.begin(), n.deps.end());
  while (!work.empty()) {
    uint32_t d = work.back();
    work.pop_back();
    if (d >= f.nodes.size() || seen[d]) continue;
    seen[d] = 1;
    if (d == p->id) return true;
    work.insert(work.end(), f.nodes[d].deps.begin(), f.nodes[d].deps.end());
  }
  return false;
}

// A verdict check reads the answer of an agent step the gate guards.
bool verdict_step_ok(const Flow& f, const Gate& gate, uint32_t step) {
  if (step >= f.nodes.size()) return false;
  const Node& s = f.nodes[step];
  return s.kind() == NodeKind::Agent && !s.is_fanout() &&
         std::binary_search(gate.members.begin(), gate.members.end(), s.id);
}

// An agent id names a declared agent.
bool declared_agent(const Flow& f, uint32_t agent) {
  return agent < f.agents.size() && f.agents[agent].declared;
}

// The fan-out a per-item gate guards: its one agent member; null when there is not exactly one.
const Node* per_item_fanout(const Flow& f, const Node& gate) {
  const Node* fan = nullptr;
  for (uint32_t m : gate.gate().members)
    if (f.nodes[m].kind() == NodeKind::Agent) {
      if (fan) return nullptr;
      fan = &f.nodes[m];
    }
  return fan;
}

// A per-item gate guards one fan-out, with per-item gates over it inside; it judges with
// reviews, and sends back single items only.
bool check_per_item(const Flow& f, const Node& node, const std::string& w, std::string* error) {
  const Node* fan = per_item_fanout(f, node);
  const Gate& n = node.gate();
  if (!fan || !fan->is_fanout()) {
    *error = w + "/members: a per-item gate guards exactly one agent node, a fan-out";
    return false;
  }
  for (uint32_t m : n.members) {
    const Node& o = f.nodes[m];
    if (m != fan->id && !o.is_per_item_gate()) {
      *error = w + "/members: a per-item gate guards its fan-out and the per-item gates over it, "
                   "not `" + o.name + "`";
      return false;
    }
  }
  for (size_t c = 0; c < n.checks.size(); ++c)
    if (n.checks[c].kind != Check::Kind::Review) {
      *error = w + "/checks/" + std::to_string(c) + ": a per-item gate has only review checks";
      return false;
    }
  if (!n.back_to.empty()) {
    *error = w + "/back_to: a per-item gate sends back single items, not work from `" +
             n.back_to + "` on";
    return false;
  }
  return true;
}

// The per-item gates over one fan-out nest, each inside the next: the runtime passes every
// item from the innermost to the outermost, and the call bound counts them so.
bool check_per_item_nesting(const Flow& f, std::string* error) {
  std::map<uint32_t, std::vector<const Node*>> over;  // fan-out -> its per-item gates, in order
  for (const Node& n : f.nodes)
    if (n.is_per_item_gate()) over[per_item_fanout(f, n)->id].push_back(&n);
  for (auto& [fan, gates] : over) {
    std::stable_sort(gates.begin(), gates.end(), [](const Node* a, const Node* b) {
      return a->gate().members.size() < b->gate().members.size();
    });
    for (size_t i = 1; i < gates.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (const std::vector<uint32_t>& members = gates[i]->gate().members;
            !std::binary_search(members.begin(), members.end(), gates[j]->id)) {
          *error = at("nodes", gates[i]->id) + "/members: the per-item gates over `" +
                   f.nodes[fan].name + "` must nest, but `" + gates[j]->name +
                   "` is not inside this one";
          return false;
        }
  }
  return true;
}

bool check_gate(const Flow& f, const Node& node, const std::string& w, std::string* error) {
  const Gate& n = node.gate();
  std::string base = n.target + "/gate";
  const std::string& name = node.name;
  bool named = name == base || (name.size() > base.size() + 1 &&
                                name.compare(0, base.size() + 1, base + "-") == 0);
  if (n.target.empty() || !named) {
    *error = w + "/name: a gate of target `" + n.target + "` is named `" + n.target +
             "/gate` (or `" + n.target + "/gate-N`), not `" + name + "`";
    return false;
  }
  if (n.members.empty() || !sorted_unique(n.members)) {
    *error = w + "/members: must list the gated nodes, sorted, without duplicates";
    return false;
  }
  for (uint32_t m : n.members)
    if (m == node.id) {
      *error = w + "/members: a gate cannot be its own member";
      return false;
    }
  for (uint32_t d : node.deps)
    if (!std::binary_search(n.members.begin(), n.members.end(), d)) {
      *error = w + "/deps: node " + std::to_string(d) + " (`" + f.nodes[d].name +
               "`) is not a member of the gate (a gate depends on the exits of what it guards)";
      return false;
    }
  if (n.checks.empty()) {
    *error = w + "/checks: a gate needs at least one check";
    return false;
  }
  for (size_t c = 0; c < n.checks.size(); ++c) {
    const Check& ch = n.checks[c];
    std::string cw = w + "/checks/" + std::to_string(c);
    if (ch.kind == Check::Kind::Review && !declared_agent(f, ch.agent)) {
      *error = cw + "/agent: reviewer `" + f.agent_name(ch.agent) + "` is not declared in /agents";
      return false;
    }
    if (ch.kind == Check::Kind::Command && ch.command.empty()) {
      *error = cw + "/command: a command check needs a command";
      return false;
    }
    if (ch.kind == Check::Kind::Verdict && !verdict_step_ok(f, n, ch.step)) {
      *error = cw + "/step: `" + f.node_name(ch.step) +
               "` is not an agent step among the gate's members";
      return false;
    }
  }
  return !n.per_item || check_per_item(f, node, w, error);
}

// A condition names an input of the right type, or a step by the nodes that decide it.
bool check_condition(const Flow& f, const Condition& c, const Names& inputs,
                     const std::string& w, std::string* error) {
  switch (c.kind) {
    case Condition::Kind::Input:
      return input_of_type(f, inputs, c.name, "bool", w + "/name", error);
    case Condition::Kind::Equals:
      return input_of_type(f, inputs, c.name, "text", w + "/name", error);
    case Condition::Kind::Passed:
    case Condition::Kind::PassedCleanly:
      if (!in_range(c.nodes, f.nodes.size(), w + "/nodes", error)) return false;
      if (!sorted_unique(c.nodes)) {  // empty for a step without nodes: it never passes
        *error = w + "/nodes: must list the step's nodes, sorted, without duplicates";
        return false;
      }
      return true;
  }
  return true;
}

// The fields of an agent node.
bool check_agent_call(const Flow& f, const Node& n, const Names& inputs, const std::string& w,
                      std::string* error) {
  const AgentCall& a = n.agent_call();
  if (!declared_agent(f, a.agent)) {
    *error = w + "/agent: agent `" + f.agent_name(a.agent) + "` is not declared in /agents";
    return false;
  }
  if (a.fanout_step != kNoId && !fanout_step_ok(f, n)) {
    *error = w + "/fanout_step: `" + f.node_name(a.fanout_step) +
             "` is not an agent step this node depends on, or is itself a fan-out";
    return false;
  }
  if ((!a.fanout.empty()) + (!a.fanout_input.empty()) + (a.fanout_step != kNoId) > 1) {
    *error = w + ": has both `fanout` and `fanout_input`; a fan-out has one source";
    return false;
  }
  if (!a.fanout_input.empty())
    return input_of_type(f, inputs, a.fanout_input, "list", w + "/fanout_input", error);
  return true;
}

bool check_node(const Flow& f, const Node& n, const Names& inputs, std::string* error) {
  std::string w = at("nodes", n.id);
  if (!in_range(n.deps, f.nodes.size(), w + "/deps", error) ||
      (n.kind() == NodeKind::Gate &&
       !in_range(n.gate().members, f.nodes.size(), w + "/members", error)))
    return false;
  for (uint32_t d : n.deps)
    if (d == n.id) {
      *error = w + "/deps: a node cannot depend on itself";
      return false;
    }
  if (!sorted_unique(n.deps)) {
    *error = w + "/deps: must be sorted, without duplicates";
    return false;
  }
  for (size_t k = 0; k < n.when.size(); ++k)
    if (!input_of_type(f, inputs, n.when[k], "bool", w + "/when/" + std::to_string(k), error))
      return false;
  for (size_t k = 0; k < n.conditions.size(); ++k)
    if (!check_condition(f, n.conditions[k], inputs, w + "/conditions/" + std::to_string(k), error))
      return false;
  switch (n.kind()) {
    case NodeKind::Agent: return check_agent_call(f, n, inputs, w, error);
    case NodeKind::Command:
      if (n.command_run().command.empty()) {
        *error = w + "/command: a command node needs a command";
        return false;
      }
      return true;
    case NodeKind::Human: return true;
    case NodeKind::Gate: return check_gate(f, n, w, error);
  }
  return true;
}

bool check_acyclic(const Flow& f, std::string* error) {
  std::vector<uint32_t> order = topo_order(f);
  if (order.size() == f.nodes.size()) return true;
  std::vector<bool> ordered(f.nodes.size());
  for (uint32_t id : order) ordered[id] = true;
  for (const Node& n : f.nodes)
    if (!ordered[n.id]) {
      *error = at("nodes", n.id) + "/deps: node `" + n.name +
               "` is part of a dependency cycle (or waits for one)";
      return false;
    }
  return true;
}

// With stages declared, every node is in exactly the stage its `stage` names.
bool check_stages(const Flow& f, std::string* error) {
  Names stages;
  if (!index_names(f.stages, "stages", "a stage", &stages, error)) return false;
  // Hand-written IR may leave stages out: the stages its nodes name are then only labels.
  if (std::none_of(f.stages.begin(), f.stages.end(), [](const Stage& s) { return s.declared; }))
    return true;
  std::vector<int64_t> listed_in(f.nodes.size(), -1);
  for (size_t s = 0; s < f.stages.size(); ++s) {
    const Stage& st = f.stages[s];
    if (!st.declared) continue;
    for (size_t k = 0; k < st.after.size(); ++k)
      if (!stages.count(st.after[k])) {
        *error = at("stages", s) + "/after/" + std::to_string(k) + ": stage `" + st.after[k] +
                 "` is not declared in /stages";
        return false;
      }
    if (!in_range(st.nodes, f.nodes.size(), at("stages", s) + "/nodes", error)) return false;
    for (size_t k = 0; k < st.nodes.size(); ++k) {
      uint32_t id = st.nodes[k];
      std::string w = at("stages", s) + "/nodes/" + std::to_string(k);
      if (listed_in[id] >= 0) {
        *error = w + ": node " + std::to_string(id) + " is already listed in " +
                 at("stages", static_cast<size_t>(listed_in[id]));
        return false;
      }
      if (f.stage_of(f.nodes[id]) != st.name) {
        *error = w + ": node " + std::to_string(id) + " (`" + f.nodes[id].name +
                 "`) says it is in stage `" + f.stage_of(f.nodes[id]) + "`, not `" + st.name + "`";
        return false;
      }
      listed_in[id] = static_cast<int64_t>(s);
    }
  }
  for (const Node& n : f.nodes)
    if (listed_in[n.id] < 0) {
      const std::string& stage = f.stage_of(n);
      *error = at("nodes", n.id) + "/stage: node `" + n.name + "` is not listed in the nodes of " +
               (stages.count(stage) ? "stage `" + stage + "`" : "any stage (`" + stage +
                                                                     "` is not declared)");
      return false;
    }
  return true;
}

bool check_rules(const Flow& f, const Names& agents, std::string* error) {
  for (size_t i = 0; i < f.rules.size(); ++i) {
    const Rule& r = f.rules[i];
    bool needs_agent = r.kind == Rule::Kind::EveryStepReviewedBy || r.kind == Rule::Kind::WritesOnly;
    if (needs_agent && !agents.count(r.a)) {
      *error = at("rules", i) + "/a: agent `" + r.a + "` is not declared in /agents";
      return false;
    }
    if (r.kind == Rule::Kind::Before && (r.a.empty() || r.b.empty())) {
      *error = at("rules", i) + ": a `before` rule names two steps or stages in `a` and `b`";
      return false;
    }
    bool counts = r.kind == Rule::Kind::AtMostCalls || r.kind == Rule::Kind::AtMostTokens;
    if (counts && r.limit < 0) {
      *error = at("rules", i) + "/limit: must not be negative";
      return false;
    }
    if (r.kind == Rule::Kind::AtMostCost && !(r.limit_usd >= 0 && std::isfinite(r.limit_usd))) {
      *error = at("rules", i) + "/limit_usd: must be a finite number of dollars, not negative";
      return false;
    }
  }
  return true;
}

}  // namespace

bool validate(const Flow& f, std::string* error) {
  Names inputs, agents, nodes;
  if (!check_inputs(f, &inputs, error) || !check_agents(f, &agents, error)) return false;
  for (size_t i = 0; i < f.nodes.size(); ++i)
    if (f.nodes[i].id != i) {
      *error = at("nodes", i) + "/id: expected " + std::to_string(i) + " (ids are array indices)";
      return false;
    }
  if (!index_names(f.nodes, "nodes", "a node", &nodes, error)) return false;
  for (const Node& n : f.nodes)
    if (!check_node(f, n, inputs, error)) return false;
  return check_per_item_nesting(f, error) && check_acyclic(f, error) && check_stages(f, error) &&
         check_rules(f, agents, error);
}

}  // namespace flow::ir

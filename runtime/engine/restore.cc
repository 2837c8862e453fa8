// Resuming: replaying a run's events into the plan and the outputs, so finished work is kept
// and only what was unfinished runs again (docs/runtime.md, "The run directory").
#include <map>

#include <fmt/format.h>

#include "runtime/engine/scheduler.h"

namespace flow::rt {
namespace {

// Why an event cannot belong to this flow; "" when it fits. Only what replay relies on is
// checked: every node it names exists and has the right kind, every index is in range.
std::string misfit(const nlohmann::json& e, const ir::Flow& flow, const Plan& plan,
                   const std::unordered_map<std::string, uint32_t>& by_name) {
  const std::string ev = e.value("event", "");
  const bool gate_event = ev == "retry" || ev == "rework" || ev == "gate_pass" ||
                          ev == "exhausted" || ev == "verdict";
  const bool step_event = ev == "done" || ev == "attempt" || ev == "dispatch" || ev == "skip" ||
                          ev == "items" ||
                          ev == "approval" || (ev == "fail" && e.contains("step"));
  if (!gate_event && !step_event) return "";
  const char* key = gate_event ? "gate" : "step";
  auto it = e.find(key);
  if (it == e.end() || !it->is_string()) return fmt::format("no \"{}\" name", key);
  auto f = by_name.find(it->get<std::string>());
  if (f == by_name.end()) return fmt::format("{} `{}` is not in the flow", key, it->get<std::string>());
  const ir::Node& node = flow.nodes[f->second];
  if (gate_event && node.kind() != ir::NodeKind::Gate)
    return fmt::format("`{}` is not a gate", node.name);
  auto idx = e.find("index");
  const bool item_event = ev == "retry" || ev == "rework" || ev == "exhausted";
  if (idx != e.end() && (ev == "attempt" || ev == "dispatch" || ev == "verdict" || item_event)) {
    bool indexed = item_event ? node.is_per_item_gate()
                              : node.kind() == ir::NodeKind::Gate || node.is_fanout();
    if (!idx->is_number_integer()) return "the index is not a number";
    int64_t i = idx->get<int64_t>();
    if (!indexed || i < 0 || i >= plan.task_count(f->second))
      return fmt::format("index {} is out of range for `{}`", i, node.name);
  }
  auto check = e.find("check_index");  // a per-item gate's verdict: which of its checks
  if (check != e.end() && (!check->is_number_integer() || check->get<int64_t>() < 0 ||
                           node.kind() != ir::NodeKind::Gate ||
                           check->get<int64_t>() >=
                               static_cast<int64_t>(node.gate().checks.size())))
    return fmt::format("check_index is out of range for `{}`", node.name);
  if (ev == "items") {
    auto items = e.find("items");
    if (node.fanout_step() == ir::kNoId)
      return fmt::format("`{}` does not fan out over a step", node.name);
    if (items == e.end() || !items->is_array() ||
        items->size() > static_cast<size_t>(node.agent_call().fanout_cap))
      return "the items are not a list within the cap";
    for (const nlohmann::json& i : *items)
      if (!i.is_string()) return "an item is not a string";
  }
  auto at = e.find("attempt");
  if (at != e.end() && (!at->is_number_integer() || at->get<int64_t>() < 1))
    return "the attempt is not a positive number";
  return "";
}

// The feedback a resume sends back with once a gate ran out of retries: the gate's last, and
// what a person said when asked to accept the last attempt anyway (`else ask`) and saying no.
std::string exhausted_feedback(const nlohmann::json& e) {
  std::string feedback = e.value("feedback", ""), reply = e.value("reply", "");
  if (reply.empty()) return feedback;
  return feedback + (feedback.empty() ? "" : "\n\n") +
         "Asked whether to accept this attempt anyway, a person answered no: " + reply;
}

}  // namespace

// Per gate (and item, for a per-item gate), its last outcome that nothing acted on yet, in
// gate order; and per item of a per-item gate, its highest evaluation on record.
struct GateOutcomes {
  using Key = std::pair<uint32_t, int>;  // gate, item (-1: the gate's whole work)
  std::map<Key, UnresolvedGate> pending;
  std::map<Key, int> item_seen;

  void note(Key key, const nlohmann::json& e) {
    std::string action = e.value("action", "");
    if (e.value("event", "") == "verdict") {
      if (e.value("verdict", "") != "FAIL") {
        pending.erase(key);
        return;
      }
      std::string feedback = e.value("feedback", "");
      if (feedback.empty()) feedback = e.value("reason", "");
      pending[key] = {key.first, key.second, false, feedback};
    } else if (e.value("accepted", action == "continue")) {
      pending.erase(key);  // accepted unapproved
    } else {
      // Nobody could be asked (`else ask` without a terminal): ask again. Else the run
      // stopped there; resuming it is asking for another round of the work.
      bool stopped = !(action == "ask" && e.value("how", "") == "no terminal");
      pending[key] = {key.first, key.second, stopped, exhausted_feedback(e)};
    }
  }
  // A send-back acts on the gate's outcome, and resets the gates inside the work it re-runs
  // (for one item: the per-item gates inside, for that item).
  void settle(const ir::Node& gate, int item) {
    pending.erase({gate.id, item});
    for (uint32_t m : gate.gate().members) {
      if (item >= 0) {
        pending.erase({m, item});
        continue;
      }
      auto from = pending.lower_bound({m, -1});
      while (from != pending.end() && from->first.first == m) from = pending.erase(from);
    }
  }
  void passed(uint32_t gate) {  // the whole gate passed: nothing of it is left to act on
    auto from = pending.lower_bound({gate, -1});
    while (from != pending.end() && from->first.first == gate) from = pending.erase(from);
  }
};

bool Scheduler::restore(const std::vector<nlohmann::json>& events, std::string* error) {
  // Check everything first, so that a log that does not fit changes nothing.
  for (size_t i = 0; i < events.size(); ++i) {
    std::string why = misfit(events[i], flow_, plan_, composer_.names());
    if (!why.empty()) {
      *error = fmt::format("events.jsonl: event {} (seq {}, \"{}\") does not fit the flow in "
                           "ir.json: {}", i + 1, events[i].value("seq", int64_t{0}),
                           events[i].value("event", ""), why);
      return false;
    }
  }
  gate_seen_.assign(flow_.nodes.size(), 0);
  GateOutcomes outcomes;
  for (const nlohmann::json& e : events) replay(e, outcomes);
  unresolved_.clear();
  for (auto& [key, u] : outcomes.pending) {
    const NodeState& gs = plan_.node(key.first);
    bool open = key.second < 0
                    ? gs.state == State::Waiting
                    : gs.state != State::Done && !plan_.item_passed(key.first, key.second);
    if (open) unresolved_.push_back(std::move(u));
  }
  // A gate's attempt counts its evaluations (of each item, for a per-item gate): one that runs
  // again after a resume gets a new number, so the files of earlier evaluations are kept. (An
  // unresolved gate is sent back first, which numbers its next evaluation.)
  for (uint32_t id = 0; id < flow_.nodes.size(); ++id)
    if (gate_seen_[id] > 0)
      plan_.restore_attempt(id, gate_seen_[id] + (outcomes.pending.count({id, -1}) ? 0 : 1));
  for (const auto& [key, seen] : outcomes.item_seen)
    plan_.restore_item_attempt(key.first, key.second, seen + (outcomes.pending.count(key) ? 0 : 1));
  return true;
}

// A recorded output only counts if the file is there and matches its hash; a missing file is
// empty text only when the hash says the output was empty.
bool Scheduler::restore_output(const nlohmann::json& e, std::string* text) const {
  std::string rel = e.value("output", ""), hash = e.value("output_hash", "");
  if (hash == output_hash("")) {  // empty outputs have no file
    text->clear();
    return true;
  }
  return !rel.empty() && read_file(env_.run_dir + "/" + rel, text) && output_hash(*text) == hash;
}

void Scheduler::replay(const nlohmann::json& e, GateOutcomes& outcomes) {
  auto node_of = [&](const char* key) { return composer_.names().at(e.at(key).get<std::string>()); };
  std::string ev = e.value("event", "");
  if (ev == "dispatch" || ev == "attempt" || ev == "verdict") {
    uint32_t g = node_of(ev == "verdict" ? "gate" : "step");
    if (flow_.nodes[g].kind() == ir::NodeKind::Gate)
      gate_seen_[g] = std::max(gate_seen_[g], e.value("attempt", 0));
    if (flow_.nodes[g].is_per_item_gate() && e.contains("index")) {
      int& seen = outcomes.item_seen[{g, e["index"].get<int>()}];
      seen = std::max(seen, e.value("attempt", 0));
    }
  }
  std::string text;
  if (ev == "done") {
    uint32_t id = node_of("step");
    // Lost or damaged: run it again. A fan-out whose items all verify is rebuilt from them
    // when the run starts (Scheduler::finish_untasked), so its consumers get the real text.
    if (!restore_output(e, &text)) return;
    outputs_.text[id] = std::move(text);
    outputs_.file[id] = e.value("output", "");
    plan_.restore_done(id);
  } else if (ev == "attempt") {
    uint32_t id = node_of("step");
    if (!e.value("ok", false) || e.value("kind", "") != "agent" || !e.contains("index")) return;
    int index = e["index"].get<int>();
    if (index >= static_cast<int>(outputs_.items[id].size())) return;  // not a chosen item
    if (e.value("attempt", 0) != plan_.task_attempt({id, index})) return;  // an earlier one
    if (!restore_output(e, &text)) return;
    outputs_.items[id][index] = std::move(text);
    plan_.restore_item(id, index);
  } else if (ev == "items") {
    // The items chosen for this attempt; a later `retry` that re-runs the step forgets them.
    uint32_t id = node_of("step");
    if (e.value("attempt", 0) != plan_.node(id).attempt) return;
    std::vector<std::string> items = e["items"].get<std::vector<std::string>>();
    outputs_.items[id].assign(items.size(), std::string());
    plan_.restore_items(id, std::move(items));
  } else if (ev == "gate_pass") {
    uint32_t g = node_of("gate");
    plan_.restore_done(g);
    if (e.value("unapproved", false)) plan_.restore_unapproved(g);
    outcomes.passed(g);
  } else if (ev == "retry" || ev == "rework" || ev == "verdict" || ev == "exhausted") {
    replay_gate(e, node_of("gate"), outcomes);
  }
}

// A gate's verdict, send-back or exhaustion; for a per-item gate, `index` is the item.
void Scheduler::replay_gate(const nlohmann::json& e, uint32_t g, GateOutcomes& outcomes) {
  const std::string ev = e.value("event", "");
  const bool per_item = flow_.nodes[g].gate().per_item;
  const int item = per_item ? e.value("index", -1) : -1;
  if (per_item && (item < 0 || item >= plan_.task_count(plan_.fanout_of(g)))) return;
  const std::string feedback = e.value("feedback", "");
  if (ev == "retry" || ev == "rework") {
    if (item >= 0 && ev == "retry") plan_.send_back_item(g, item, feedback);
    else if (item >= 0) plan_.rework_item(g, item, feedback);
    else if (ev == "retry") plan_.send_back(g, feedback);
    else plan_.rework(g, feedback);
    outcomes.settle(flow_.nodes[g], item);
    return;
  }
  if (item >= 0 && ev == "verdict" && e.value("verdict", "") == "PASS")
    plan_.restore_item_check(g, item, e.value("check_index", 0));
  if (item >= 0 && ev == "exhausted" && e.value("accepted", false))
    plan_.restore_item_accepted(g, item);
  outcomes.note({g, item}, e);
}

// Before anything runs again: a gate whose last outcome was not acted on is acted on now, and
// never judged again on the same work. A FAIL with retries left sends the work back; one
// without asks or accepts as the gate's `else` says; a gate that stopped the run (out of
// retries, or its last attempt refused) sends its work back with its last feedback and a
// fresh budget of retries, so one resume costs at most what `flowc check --stats` counts.
// A per-item gate does so for each item on its own.
void Scheduler::resolve_on_resume() {
  for (const UnresolvedGate& u : unresolved_) {
    if (stopping_) return;  // a person said no to an `else ask` just now
    const ir::Node& node = flow_.nodes[u.gate];
    bool can = u.item >= 0 ? plan_.can_send_back_item(u.gate, u.item) : plan_.can_send_back(u.gate);
    if (!u.refused && (can || node.gate().on_exhausted != ir::OnExhausted::Stop)) {
      gate_failed(u.gate, u.item, u.feedback);
      continue;
    }
    bool declined = node.gate().on_exhausted == ir::OnExhausted::Ask && u.refused;
    send_work_back(u.gate, u.item, u.feedback,
                   declined ? "resumed after a person did not accept the last attempt"
                            : "resumed after the gate ran out of retries");
  }
  unresolved_.clear();
}

}  // namespace flow::rt

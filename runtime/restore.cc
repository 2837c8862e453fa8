// Resuming: replaying a run's events into the plan and the outputs, so finished work is kept
// and only what was unfinished runs again (docs/runtime.md, "The run directory").
#include <map>

#include <fmt/format.h>

#include "runtime/scheduler.h"

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
  if (gate_event && node.kind != ir::NodeKind::Gate)
    return fmt::format("`{}` is not a gate", node.name);
  auto idx = e.find("index");
  if (idx != e.end() && (ev == "attempt" || ev == "dispatch" || ev == "verdict")) {
    bool indexed = node.kind == ir::NodeKind::Gate || node.is_fanout();
    if (!idx->is_number_integer()) return "the index is not a number";
    int64_t i = idx->get<int64_t>();
    if (!indexed || i < 0 || i >= plan.task_count(f->second))
      return fmt::format("index {} is out of range for `{}`", i, node.name);
  }
  if (ev == "items") {
    auto items = e.find("items");
    if (node.fanout_step.empty()) return fmt::format("`{}` does not fan out over a step", node.name);
    if (items == e.end() || !items->is_array() ||
        items->size() > static_cast<size_t>(node.fanout_cap))
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

// Per gate, its last outcome that nothing acted on yet, in gate order.
struct GateOutcomes {
  std::map<uint32_t, UnresolvedGate> pending;

  void note(uint32_t gate, const nlohmann::json& e) {
    std::string action = e.value("action", "");
    if (e.value("event", "") == "verdict") {
      if (e.value("verdict", "") != "FAIL") {
        pending.erase(gate);
        return;
      }
      std::string feedback = e.value("feedback", "");
      pending[gate] = {gate, false, feedback.empty() ? e.value("reason", "") : feedback};
    } else if (e.value("accepted", action == "continue")) {
      pending.erase(gate);  // accepted unapproved: its gate_pass follows
    } else {
      // Nobody could be asked (`else ask` without a terminal): ask again. Else the run
      // stopped there; resuming it is asking for another round of the work.
      bool asked = !(action == "ask" && e.value("how", "") == "no terminal");
      pending[gate] = {gate, asked, exhausted_feedback(e)};
    }
  }
  // A send-back acts on the gate's outcome, and resets the gates inside the work it re-runs.
  void settle(const ir::Node& gate) {
    pending.erase(gate.id);
    for (uint32_t m : gate.members) pending.erase(m);
  }
};

bool Scheduler::restore(const std::vector<nlohmann::json>& events, std::string* error) {
  // Check everything first, so that a log that does not fit changes nothing.
  for (size_t i = 0; i < events.size(); ++i) {
    std::string why = misfit(events[i], flow_, plan_, by_name_);
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
  for (auto& [gate, u] : outcomes.pending)
    if (plan_.node(gate).state == State::Waiting) unresolved_.push_back(std::move(u));
  // A gate's attempt counts its evaluations: one that runs again after a resume gets a new
  // number, so the files of earlier evaluations are kept. (An unresolved gate is sent back
  // first, which numbers its next evaluation.)
  for (uint32_t id = 0; id < flow_.nodes.size(); ++id)
    if (gate_seen_[id] > 0)
      plan_.restore_attempt(id, gate_seen_[id] + (outcomes.pending.count(id) ? 0 : 1));
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
  auto node_of = [&](const char* key) { return by_name_.at(e.at(key).get<std::string>()); };
  std::string ev = e.value("event", "");
  if (ev == "dispatch" || ev == "attempt" || ev == "verdict") {
    uint32_t g = node_of(ev == "verdict" ? "gate" : "step");
    if (flow_.nodes[g].kind == ir::NodeKind::Gate)
      gate_seen_[g] = std::max(gate_seen_[g], e.value("attempt", 0));
  }
  std::string text;
  if (ev == "done") {
    uint32_t id = node_of("step");
    // Lost or damaged: run it again. A fan-out whose items all verify is rebuilt from them
    // when the run starts (Scheduler::finish_untasked), so its consumers get the real text.
    if (!restore_output(e, &text)) return;
    output_[id] = std::move(text);
    output_file_[id] = e.value("output", "");
    plan_.restore_done(id);
  } else if (ev == "attempt") {
    uint32_t id = node_of("step");
    if (!e.value("ok", false) || e.value("kind", "") != "agent" || !e.contains("index") ||
        e.value("attempt", 0) != plan_.node(id).attempt)
      return;
    int index = e["index"].get<int>();
    if (index >= static_cast<int>(item_output_[id].size())) return;  // not a chosen item
    if (!restore_output(e, &text)) return;
    item_output_[id][index] = std::move(text);
    plan_.restore_item(id, index);
  } else if (ev == "items") {
    // The items chosen for this attempt; a later `retry` that re-runs the step forgets them.
    uint32_t id = node_of("step");
    if (e.value("attempt", 0) != plan_.node(id).attempt) return;
    std::vector<std::string> items = e["items"].get<std::vector<std::string>>();
    item_output_[id].assign(items.size(), std::string());
    plan_.restore_items(id, std::move(items));
  } else if (ev == "retry" || ev == "rework") {
    uint32_t g = node_of("gate");
    if (ev == "retry") plan_.send_back(g, e.value("feedback", ""));
    else plan_.rework(g, e.value("feedback", ""));
    outcomes.settle(flow_.nodes[g]);
  } else if (ev == "gate_pass") {
    uint32_t g = node_of("gate");
    plan_.restore_done(g);
    if (e.value("unapproved", false)) plan_.restore_unapproved(g);
    outcomes.pending.erase(g);
  } else if (ev == "verdict" || ev == "exhausted") {
    outcomes.note(node_of("gate"), e);
  }
}

// Before anything runs again: a gate whose last outcome was not acted on is acted on now, and
// never judged again on the same work. A FAIL with retries left sends the work back; one
// without asks or accepts as the gate's `else` says; a gate that stopped the run (out of
// retries, or its last attempt refused) sends its work back with its last feedback and a
// fresh budget of retries, so one resume costs at most what `flowc check --stats` counts.
void Scheduler::resolve_on_resume() {
  for (const UnresolvedGate& u : unresolved_) {
    if (stopping_) return;  // a person said no to an `else ask` just now
    const ir::Node& node = flow_.nodes[u.gate];
    bool stops = node.on_exhausted == ir::OnExhausted::Stop;
    if (!u.refused && (plan_.can_send_back(u.gate) || !stops)) {
      gate_failed(u.gate, u.feedback);
      continue;
    }
    std::vector<uint32_t> again = plan_.rework(u.gate, u.feedback);
    nlohmann::json steps = nlohmann::json::array();
    for (uint32_t m : again) steps.push_back(flow_.nodes[m].name);
    bool declined = node.on_exhausted == ir::OnExhausted::Ask && u.refused;
    emit({{"event", "rework"}, {"gate", node.name}, {"step", node.target},
          {"attempt", plan_.node(u.gate).attempt}, {"retries", node.retries},
          {"reason", declined ? "resumed after a person did not accept the last attempt"
                              : "resumed after the gate ran out of retries"},
          {"feedback", u.feedback}, {"steps", steps}});
  }
  unresolved_.clear();
}

}  // namespace flow::rt

// Resuming: replaying a run's events into the plan and the outputs, so finished work is kept
// and only what was unfinished runs again (docs/runtime.md, "The run directory").
#include <map>

#include <fmt/format.h>

#include "runtime/engine/scheduler.h"

namespace flow::rt {
namespace {

// What replay needs to check of one event: the node it names (a gate's events name their gate,
// a step's events their step), its index and check index, its attempt and chosen items.
struct Names {
  bool gate_event = false;   // names a gate
  bool step_event = false;   // names a step
  bool item_event = false;   // a retry, rework or exhausted: `index` is the item
  bool indexed_kind = false; // an attempt, dispatch or verdict: `index` is an item or check
  const std::string* name = nullptr;
  std::optional<int64_t> index, check_index;
  const int64_t* attempt = nullptr;
  const ev::Items* items = nullptr;
};

Names names_of(const EventBody& body) {
  Names n;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ev::Retry> || std::is_same_v<T, ev::Rework> ||
                      std::is_same_v<T, ev::Exhausted>) {
          n.gate_event = n.item_event = true;
          n.name = &e.gate;
          n.index = e.index;
        } else if constexpr (std::is_same_v<T, ev::GatePass>) {
          n.gate_event = true;
          n.name = &e.gate;
        } else if constexpr (std::is_same_v<T, ev::Verdict>) {
          n.gate_event = n.indexed_kind = true;
          n.name = &e.gate;
          n.index = e.index;
          n.check_index = e.check_index;
        } else if constexpr (std::is_same_v<T, ev::Attempt>) {
          n.step_event = n.indexed_kind = true;
          n.name = &e.at.step;
          n.index = e.at.index;
        } else if constexpr (std::is_same_v<T, ev::Dispatch>) {
          n.step_event = n.indexed_kind = true;
          n.name = &e.step;
          n.index = e.index;
        } else if constexpr (std::is_same_v<T, ev::Done> || std::is_same_v<T, ev::Skip> ||
                             std::is_same_v<T, ev::Approval>) {
          n.step_event = true;
          n.name = &e.step;
        } else if constexpr (std::is_same_v<T, ev::Items>) {
          n.step_event = true;
          n.name = &e.step;
          n.items = &e;
        } else if constexpr (std::is_same_v<T, ev::Fail>) {
          n.step_event = !e.step.empty();  // a failure of the run itself names no step
          n.name = &e.step;
        }
        if constexpr (requires { e.attempt; }) n.attempt = &e.attempt;
        else if constexpr (requires { e.at.attempt; }) n.attempt = &e.at.attempt;
      },
      body);
  return n;
}

// Why an event cannot belong to this flow; "" when it fits. Only what replay relies on is
// checked: every node it names exists and has the right kind, every index is in range.
std::string misfit(const EventBody& body, const ir::Flow& flow, const Plan& plan,
                   const std::unordered_map<std::string, uint32_t>& by_name) {
  const Names n = names_of(body);
  if (!n.gate_event && !n.step_event) return "";
  const char* key = n.gate_event ? "gate" : "step";
  if (n.name->empty()) return fmt::format("no \"{}\" name", key);
  auto f = by_name.find(*n.name);
  if (f == by_name.end()) return fmt::format("{} `{}` is not in the flow", key, *n.name);
  const ir::Node& node = flow.nodes[f->second];
  if (n.gate_event && node.kind() != ir::NodeKind::Gate)
    return fmt::format("`{}` is not a gate", node.name);
  if (n.index && (n.indexed_kind || n.item_event)) {
    bool indexed = n.item_event ? node.is_per_item_gate()
                              : node.kind() == ir::NodeKind::Gate || node.is_fanout();
    if (!indexed || *n.index < 0 || *n.index >= plan.task_count(f->second))
      return fmt::format("index {} is out of range for `{}`", *n.index, node.name);
  }
  // A per-item gate's verdict: which of its checks.
  if (n.check_index && (*n.check_index < 0 || node.kind() != ir::NodeKind::Gate ||
                        *n.check_index >= static_cast<int64_t>(node.gate().checks.size())))
    return fmt::format("check_index is out of range for `{}`", node.name);
  if (n.items) {
    if (node.fanout_step() == ir::kNoId) return fmt::format("`{}` does not fan out over a step", node.name);
    if (n.items->items.size() > static_cast<size_t>(node.agent_call().fanout_cap))
      return "the items are not a list within the cap";
  }
  // A missing attempt reads as 0 (a damaged line): only a negative one cannot be replayed.
  if (n.attempt && *n.attempt < 0) return "the attempt is not a positive number";
  return "";
}

// The feedback a resume sends back with once a gate ran out of retries: the gate's last, and
// what a person said when asked to accept the last attempt anyway (`else ask`) and saying no.
std::string exhausted_feedback(const ev::Exhausted& e) {
  const std::string& feedback = e.feedback;
  std::string reply = e.reply.value_or("");
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

  void note(Key key, const ev::Verdict& v) {
    if (v.verdict != "FAIL") {
      pending.erase(key);
      return;
    }
    std::string feedback = v.feedback;
    if (feedback.empty()) feedback = v.reason.value_or("");
    pending[key] = {key.first, key.second, false, feedback};
  }
  void note(Key key, const ev::Exhausted& e) {
    if (e.accepted.value_or(e.action == "continue")) {
      pending.erase(key);  // accepted unapproved
      return;
    }
    // Nobody could be asked (`else ask` without a terminal): ask again. Else the run
    // stopped there; resuming it is asking for another round of the work.
    bool stopped = !(e.action == "ask" && e.how.value_or("") == "no terminal");
    pending[key] = {key.first, key.second, stopped, exhausted_feedback(e)};
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

bool Scheduler::restore(const std::vector<Event>& events, std::string* error) {
  // Check everything first, so that a log that does not fit changes nothing.
  for (size_t i = 0; i < events.size(); ++i) {
    std::string why = misfit(events[i].body, flow(), plan_, composer_.names());
    if (!why.empty()) {
      *error = fmt::format("events.jsonl: event {} (seq {}, \"{}\") does not fit the flow in "
                           "ir.json: {}", i + 1, events[i].seq, event_name(events[i].body), why);
      return false;
    }
  }
  resume_.gate_seen.assign(flow().nodes.size(), 0);
  GateOutcomes outcomes;
  for (const Event& e : events) replay(e.body, outcomes);
  resume_.unresolved.clear();
  for (auto& [key, u] : outcomes.pending) {
    const NodeState& gs = plan_.node(key.first);
    bool open = key.second < 0
                    ? gs.state == State::Waiting
                    : gs.state != State::Done && !plan_.item_passed(key.first, key.second);
    if (open) resume_.unresolved.push_back(std::move(u));
  }
  // A gate's attempt counts its evaluations (of each item, for a per-item gate): one that runs
  // again after a resume gets a new number, so the files of earlier evaluations are kept. (An
  // unresolved gate is sent back first, which numbers its next evaluation.)
  for (uint32_t id = 0; id < flow().nodes.size(); ++id)
    if (resume_.gate_seen[id] > 0)
      plan_.restore_attempt(id, resume_.gate_seen[id] + (outcomes.pending.count({id, -1}) ? 0 : 1));
  for (const auto& [key, seen] : outcomes.item_seen)
    plan_.restore_item_attempt(key.first, key.second, seen + (outcomes.pending.count(key) ? 0 : 1));
  return true;
}

// A recorded output only counts if the file is there and matches its hash; a missing file is
// empty text only when the hash says the output was empty.
bool Scheduler::restore_output(const std::optional<std::string>& output, const std::string& hash,
                               std::string* text) const {
  if (hash == output_hash("")) {  // empty outputs have no file
    text->clear();
    return true;
  }
  return output && !output->empty() && read_file(env_.run_dir + "/" + *output, text) &&
         output_hash(*text) == hash;
}

// misfit() has checked every name and index an event carries before any is replayed.
void Scheduler::replay(const EventBody& body, GateOutcomes& outcomes) {
  auto node_of = [&](const std::string& name) { return composer_.names().at(name); };
  const Names n = names_of(body);
  if (n.indexed_kind) {  // a dispatch, attempt or verdict: how often the gate or item was judged
    uint32_t g = node_of(*n.name);
    const int attempt = static_cast<int>(*n.attempt);
    if (flow().nodes[g].kind() == ir::NodeKind::Gate) resume_.gate_seen[g] = std::max(resume_.gate_seen[g], attempt);
    if (flow().nodes[g].is_per_item_gate() && n.index) {
      int& seen = outcomes.item_seen[{g, static_cast<int>(*n.index)}];
      seen = std::max(seen, attempt);
    }
  }
  std::string text;
  if (const auto* d = std::get_if<ev::Done>(&body)) {
    uint32_t id = node_of(d->step);
    // Lost or damaged: run it again. A fan-out whose items all verify is rebuilt from them
    // when the run starts (Scheduler::finish_untasked), so its consumers get the real text.
    if (!restore_output(d->output, d->output_hash, &text)) return;
    outputs_.text[id] = std::move(text);
    outputs_.file[id] = d->output;
    plan_.restore_done(id);
  } else if (const auto* a = std::get_if<ev::Attempt>(&body)) {
    uint32_t id = node_of(a->at.step);
    if (!a->ok || a->at.kind != "agent" || !a->at.index) return;
    int index = static_cast<int>(*a->at.index);
    if (index >= static_cast<int>(outputs_.items[id].size())) return;  // not a chosen item
    if (a->at.attempt != plan_.task_attempt({id, index})) return;     // an earlier one
    if (!restore_output(a->output, a->output_hash, &text)) return;
    outputs_.items[id][index] = std::move(text);
    plan_.restore_item(id, index);
  } else if (const auto* it = std::get_if<ev::Items>(&body)) {
    // The items chosen for this attempt; a later `retry` that re-runs the step forgets them.
    uint32_t id = node_of(it->step);
    if (it->attempt != plan_.node(id).attempt) return;
    outputs_.items[id].assign(it->items.size(), std::string());
    plan_.restore_items(id, it->items);
  } else if (const auto* p = std::get_if<ev::GatePass>(&body)) {
    uint32_t g = node_of(p->gate);
    plan_.restore_done(g);
    if (p->unapproved) plan_.restore_unapproved(g);
    outcomes.passed(g);
  } else if (n.gate_event) {  // a retry, rework, verdict or exhausted
    replay_gate(body, node_of(*n.name), outcomes);
  }
}

// A gate's verdict, send-back or exhaustion; for a per-item gate, `index` is the item.
void Scheduler::replay_gate(const EventBody& body, uint32_t g, GateOutcomes& outcomes) {
  const bool per_item = flow().nodes[g].gate().per_item;
  const std::optional<int64_t> index = names_of(body).index;
  const int item = per_item ? static_cast<int>(index.value_or(-1)) : -1;
  if (per_item && (item < 0 || item >= plan_.task_count(plan_.fanout_of(g)))) return;
  if (const auto* r = std::get_if<ev::Retry>(&body)) {
    if (item >= 0) plan_.send_back_item(g, item, r->feedback);
    else plan_.send_back(g, r->feedback);
  } else if (const auto* w = std::get_if<ev::Rework>(&body)) {
    if (item >= 0) plan_.rework_item(g, item, w->feedback);
    else plan_.rework(g, w->feedback);
  } else if (const auto* v = std::get_if<ev::Verdict>(&body)) {
    if (item >= 0 && v->verdict == "PASS")
      plan_.restore_item_check(g, item, static_cast<int>(v->check_index.value_or(0)));
    return outcomes.note({g, item}, *v);
  } else if (const auto* x = std::get_if<ev::Exhausted>(&body)) {
    if (item >= 0 && x->accepted.value_or(false)) plan_.restore_item_accepted(g, item);
    return outcomes.note({g, item}, *x);
  }
  outcomes.settle(flow().nodes[g], item);
}

// Before anything runs again: a gate whose last outcome was not acted on is acted on now, and
// never judged again on the same work. A FAIL with retries left sends the work back; one
// without asks or accepts as the gate's `else` says; a gate that stopped the run (out of
// retries, or its last attempt refused) sends its work back with its last feedback and a
// fresh budget of retries, so one resume costs at most what `flowc check --stats` counts.
// A per-item gate does so for each item on its own.
void Scheduler::resolve_on_resume() {
  for (const UnresolvedGate& u : resume_.unresolved) {
    if (loop_.stopping) return;  // a person said no to an `else ask` just now
    const ir::Node& node = flow().nodes[u.gate];
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
  resume_.unresolved.clear();
}

}  // namespace flow::rt

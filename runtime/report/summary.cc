#include "runtime/report/summary.h"

#include <algorithm>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lang/text.h"
#include "runtime/terminal/printable.h"
#include "runtime/terminal/terminal_text.h"

namespace flow::rt {

using ojson = nlohmann::ordered_json;

Summary::Row& Summary::row(const std::string& step) {
  auto [it, inserted] = rows_.try_emplace(step);
  if (inserted) order_.push_back(step);
  return it->second;
}

namespace {

// The kind of node a `dispatch` says a row is: a gate's checks make a gate's row.
std::string row_kind(const ev::Dispatch& d) {
  if (d.kind == "review" || d.kind == "check") return "gate";
  if (d.kind == "human") return d.step.find('/') != std::string::npos ? "gate" : "human";
  return d.kind;
}

}  // namespace

void Summary::add(const Event& e) {
  const EventBody& b = e.body;
  if (const auto* d = std::get_if<ev::Dispatch>(&b)) {
    Row& r = row(d->step);
    r.kind = row_kind(*d);
    r.attempts = std::max<int>(r.attempts, static_cast<int>(d->attempt));
    if (r.status == "unfinished" || r.status == "done" || r.status == "passed") r.status = "running";
  } else if (const auto* a = std::get_if<ev::Attempt>(&b)) {
    row(a->at.step).ms += a->duration_ms;
    usage_.add(*a);
  } else if (const auto* done = std::get_if<ev::Done>(&b)) {
    row(done->step).status = "done";
  } else if (const auto* skip = std::get_if<ev::Skip>(&b)) {
    row(skip->step).status = "skipped";
  } else if (const auto* pass = std::get_if<ev::GatePass>(&b)) {
    row(pass->gate).status = pass->unapproved ? "unapproved" : "passed";
  } else if (const auto* retry = std::get_if<ev::Retry>(&b)) {
    row(retry->gate).status = "sent back";
  } else if (const auto* ex = std::get_if<ev::Exhausted>(&b)) {
    row(ex->gate).status = "exhausted";
  } else if (const auto* fail = std::get_if<ev::Fail>(&b)) {
    row(fail->step).status = "failed";
  } else if (std::holds_alternative<ev::Interrupted>(b)) {
    for (auto& [name, r] : rows_)
      if (r.status == "running") r.status = "interrupted";
  }
}

namespace {

ojson usage_json(const UsageTotals& u) {
  return {{"calls", u.calls},
          {"calls_with_usage", u.reported},
          {"cost_usd", u.cost_usd},
          {"input_tokens", u.input_tokens},
          {"output_tokens", u.output_tokens},
          {"cache_read_tokens", u.cache_read_tokens},
          {"cache_creation_tokens", u.cache_creation_tokens},
          {"turns", u.turns},
          {"calls_without_price", u.unpriced}};
}

}  // namespace

std::string Summary::to_json() const {
  ojson steps = ojson::array();
  for (const std::string& s : order_) {
    const Row& r = rows_.at(s);
    ojson row{{"step", s}, {"kind", r.kind.empty() ? "-" : r.kind}, {"status", r.status},
              {"attempts", r.attempts}, {"duration_ms", r.ms}};
    if (const UsageTotals* u = usage_.step(s)) row["usage"] = usage_json(*u);
    steps.push_back(std::move(row));
  }
  ojson agents = ojson::object();
  for (const auto& [name, u] : usage_.agents()) agents[name] = usage_json(u);
  ojson all{{"steps", std::move(steps)}, {"agents", std::move(agents)},
            {"total", usage_json(usage_.run())}};
  return all.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// --- the table ---------------------------------------------------------------------------------

struct Summary::Line {
  std::string label;
  std::string work = "done";       // the step's own status; a block's row has none of its own
  std::vector<std::string> gates;  // the statuses of the gates folded in
  int attempts = 0;
  int64_t ms = 0;
  double cost = 0;
};

namespace {

// A gate is named after what it guards: `TARGET/gate`, or `TARGET/gate-N` when one step has
// several (lowering, compiler/lower.cc). "" for any other node.
std::string gate_target(const std::string& name) {
  size_t at = name.rfind("/gate");
  if (at == std::string::npos || at == 0) return "";
  std::string rest = name.substr(at + 5);
  if (!rest.empty() && (rest[0] != '-' || rest.find_first_not_of("0123456789", 1) != std::string::npos))
    return "";
  return name.substr(0, at);
}

// A step and its gates in one word: the step's own status until it is done, then the worst of
// its gates'.
std::string combined_status(const std::string& work, const std::vector<std::string>& gates) {
  if (work != "done") return work;
  static const std::pair<const char*, const char*> kWorstFirst[] = {
      {"failed", "failed"},       {"exhausted", "rejected"}, {"interrupted", "interrupted"},
      {"running", "running"},     {"sent back", "sent back"}, {"unfinished", "unfinished"},
      {"unapproved", "unapproved"}};
  for (const auto& [gate, shown] : kWorstFirst)
    if (std::find(gates.begin(), gates.end(), gate) != gates.end()) return shown;
  return gates.empty() ? "done" : "passed";
}

std::string duration_text(int64_t ms) { return fmt::format("{:.1f}s", ms / 1000.0); }

}  // namespace

std::vector<Summary::Line> Summary::lines() const {
  std::vector<Line> out;
  std::unordered_map<std::string, size_t> at;  // label -> index in out
  auto line_for = [&](const std::string& label) -> Line& {
    auto [it, fresh] = at.try_emplace(label, out.size());
    if (fresh) {
      out.emplace_back();  // not Line{label}: -Wextra flags the members left to their defaults
      out.back().label = label;
    }
    return out[it->second];
  };
  // Steps first, so that a gate recorded before its step (a resumed run) still finds it.
  for (const std::string& name : order_)
    if (gate_target(name).empty()) {
      const Row& r = rows_.at(name);
      Line& l = line_for(name);
      l.work = r.status;
      l.attempts = r.attempts;
    }
  for (const std::string& name : order_) {
    const Row& r = rows_.at(name);
    std::string target = gate_target(name);
    Line& l = line_for(target.empty() ? name : target);
    if (!target.empty()) {
      if (r.status != "skipped") l.gates.push_back(r.status);
      if (l.attempts == 0) l.attempts = r.attempts;  // a block's row: the gate's evaluations
    }
    l.ms += r.ms;
    if (const UsageTotals* u = usage_.step(name)) l.cost += u->cost_usd;
  }
  // In the order the run reached them.
  std::vector<Line> ordered;
  ordered.reserve(out.size());
  for (const std::string& name : order_) {
    std::string target = gate_target(name);
    auto it = at.find(target.empty() ? name : target);
    if (it == at.end() || it->second == SIZE_MAX) continue;
    ordered.push_back(std::move(out[it->second]));
    it->second = SIZE_MAX;
  }
  return ordered;
}

std::string Summary::table(size_t width) const { return printable(table_text(width)); }

std::string Summary::table_text(size_t width) const {
  constexpr size_t kMaxRows = 40;
  const size_t kWidth = std::max<size_t>(width, 50);
  std::vector<Line> all = lines();
  for (Line& l : all) l.work = combined_status(l.work, l.gates);
  // Big runs: counts per status, then only the rows worth a look.
  const bool condensed = all.size() > kMaxRows;
  std::vector<const Line*> shown;
  std::map<std::string, size_t> counts;
  for (const Line& l : all) {
    ++counts[l.work];
    bool routine = l.work == "done" || l.work == "passed" || l.work == "skipped";
    if ((!condensed || !routine) && shown.size() < kMaxRows) shown.push_back(&l);
  }
  std::string out;
  if (condensed) {
    out += text::plural(all.size(), "step") + ":";
    for (const auto& [status, n] : counts) out += fmt::format(" {} {},", n, status);
    out.back() = '\n';
    if (shown.empty()) return out + usage_.report();
  }
  const bool costs = usage_.any();  // a cost column only when some call reported its cost
  const size_t fixed = 2 + 11 + 2 + 8 + 2 + 8 + (costs ? 2 + 9 : 0);
  size_t w = 4;
  for (const Line* l : shown) w = std::max(w, display_width(l->label));
  w = std::clamp(w, size_t{4}, kWidth - fixed);
  auto cell = [&](const std::string& label) {
    std::string fitted = fit_middle(label, w);
    return fitted + std::string(w - display_width(fitted), ' ');
  };
  out += fmt::format("{}  {:<11}  {:>8}  {:>8}", cell("step"), "status", "attempts", "time");
  out += costs ? fmt::format("  {:>9}\n", "cost") : "\n";
  for (const Line* l : shown) {
    out += fmt::format("{}  {:<11}  {:>8}  {:>8}", cell(l->label), l->work, l->attempts,
                       duration_text(l->ms));
    out += costs ? fmt::format("  {:>9}\n", format_cost(l->cost)) : "\n";
  }
  std::string report = usage_.report();
  if (!report.empty() && report.back() == '\n') report.pop_back();
  if (!report.empty())
    for (const std::string& part : wrap_line(report, kWidth, 2)) out += part + "\n";
  return out;
}

}  // namespace flow::rt

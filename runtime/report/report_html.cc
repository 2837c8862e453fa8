#include "runtime/report/report_html.h"

#include <map>

#include <fmt/format.h>

#include "runtime/terminal/printable.h"
#include "runtime/report/report_dag.h"
#include "runtime/store/run_store.h"
#include "runtime/terminal/status.h"
#include "runtime/backends/usage.h"

namespace flow::rt {

using ojson = nlohmann::ordered_json;
namespace {

using json = nlohmann::json;

// A prompt or output bigger than this is cut in the page (the file stays whole in the run).
constexpr size_t kMaxShown = 64 * 1024;

const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}
.bar{position:relative;height:12px;min-width:300px;background:#f6f6f6}
.bar span{position:absolute;top:0;height:12px;min-width:2px}
.ok{background:#4caf50}.failed{background:#e53935}.unfinished{background:#42a5f5}
.verdict-FAIL{color:#b71c1c;font-weight:bold}.verdict-PASS{color:#1b5e20;font-weight:bold}
pre{white-space:pre-wrap;word-break:break-word;background:#fafafa;border:1px solid #eee;padding:6px;max-height:30em;overflow:auto}
#dag{max-width:100%;height:auto}#dag .edge{stroke:#999;stroke-width:1.2}#dag text{font-size:12px;fill:#111}
#dag .node rect{stroke:#555}#dag .stage-name{font-weight:bold;fill:#555}
.legend span{display:inline-block;padding:1px 8px;margin-right:4px;border:1px solid #999}
td code{overflow-wrap:anywhere}
.banner{padding:.6em 1em;margin:.8em 0;border-radius:4px;font-size:1.05em}
.banner pre{margin:.4em 0 0;max-height:12em}
.simulated{background:#fff4ce;border:2px solid #e0a800}.failure{background:#fde7e7;border:2px solid #c62828}
)";

// The page's only script: expand or fold every call's details.
const char* kScript = R"(
document.getElementById('toggle').addEventListener('click', function () {
  var all = document.querySelectorAll('details.call');
  var open = !(all.length && all[0].open);
  all.forEach(function (d) { d.open = open; });
});
document.body.setAttribute('data-ready', 'yes');
)";

std::string string_of(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->get<std::string>() : "";
}

// A number of ir.json (a damaged one too): 0 when missing or not a number.
int64_t int_of(const json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string precise_seconds(int64_t ms) { return fmt::format("{:.3f}s", ms / 1000.0); }

std::string call_outcome(const CallRecord& c) {
  if (!c.finished) return "unfinished";
  return c.ok ? "ok" : "failed";
}

// "plan/gate check 1", "audit[2]", "audit/gate item 2": checks and items counted from 1, as the
// terminal shows them (runtime/terminal/status.cc); the events' `index` counts from 0.
std::string call_label(const CallRecord& c) {
  if (c.index < 0) return c.step;
  if (c.item_review) return c.step + fmt::format(" item {}", c.index + 1);  // `review each`
  bool check = c.step.find('/') != std::string::npos;
  return c.step + (check ? fmt::format(" check {}", c.index + 1) : fmt::format("[{}]", c.index + 1));
}

// The title, then what a reader must know before anything else (`banners`: simulated agents,
// why the run failed), then the run's facts.
std::string header(const RunView& v, const std::string& banners) {
  std::string out = fmt::format("<h1>Run {} of flow {}</h1>\n{}<table id=\"run\">", html_escape(v.id),
                                html_escape(v.flow), banners);
  out += fmt::format("<tr><th>status</th><td id=\"run-status\">{}</td></tr>", html_escape(v.status));
  out += fmt::format("<tr><th>started</th><td>{}</td></tr>", html_escape(v.started));
  out += fmt::format("<tr><th>wall time</th><td>{}</td></tr>", precise_seconds(v.end_ms - v.start_ms));
  out += fmt::format("<tr><th>calls</th><td>{}</td></tr>", v.calls.size());
  for (const auto& [k, val] : v.inputs)
    out += fmt::format("<tr><th>input {}</th><td>{}</td></tr>", html_escape(k), html_escape(val));
  return out + "</table>\n";
}

// Whether any agent of the run was simulated: the run says so when it starts, and a call
// records its backend (a resumed run may have changed it).
bool simulated_run(const RunView& v) {
  for (const Event& e : v.events)
    if (const auto* start = std::get_if<ev::RunStart>(&e.body); start && start->simulated) return true;
  for (const CallRecord& c : v.calls)
    if (c.backend == "sim") return true;
  return false;
}

std::string simulated_banner(const RunView& v) {
  if (!simulated_run(v)) return "";
  return "<p id=\"simulated\" class=\"banner simulated\"><strong>Agents were simulated</strong> "
         "(backend <code>sim</code>): every answer on this page is generated text, not real work. "
         "Configure a backend to run real agents (docs/config.md).</p>\n";
}

// A gate check as the terminal names it: "check 2 (review by critic)".
std::string check_words(const ev::Verdict& verdict) {
  std::string words = fmt::format("check {}", verdict.index.value_or(0) + 1);
  const std::string &check = verdict.check, agent = verdict.agent.value_or("");
  if (check == "review" && !agent.empty()) return words + " (review by " + agent + ")";
  if (check == "command") return words + " (command)";
  if (check == "human") return words + " (approval)";
  if (check == "verdict") return words + " (the verdict of " + verdict.step + ")";
  return words;
}

// The event that stopped a run: the first gate that ran out of retries and stopped it, step
// that failed, budget or signal since the run last started or resumed (later ones follow from
// it: a gate that gives up also records its own `fail`). Null when none is recorded.
const EventBody* stopping_event(const RunView& v) {
  const EventBody* stop = nullptr;
  for (const Event& e : v.events) {
    const EventBody& b = e.body;
    if (std::holds_alternative<ev::RunResume>(b)) stop = nullptr;
    const auto* ex = std::get_if<ev::Exhausted>(&b);
    bool stops = std::holds_alternative<ev::Fail>(b) || std::holds_alternative<ev::BudgetExhausted>(b) ||
                 std::holds_alternative<ev::Interrupted>(b) || (ex && ex->action != "continue");
    if (stops && !stop) stop = &b;
  }
  return stop;
}

// What stopped a run that did not succeed, at the top of the page: the gate with its last
// failing check and feedback, the step with its error, the budget, the signal.
std::string failure_banner(const RunView& v) {
  if (v.status == "succeeded" || v.status == "running" || v.status == "waiting") return "";
  const EventBody* stop = stopping_event(v);
  std::string what, detail, detail_title = "Last feedback:";
  if (const auto* ex = stop ? std::get_if<ev::Exhausted>(stop) : nullptr) {
    const ev::Verdict* last = nullptr;  // the gate's last FAIL verdict
    for (const Event& e : v.events)
      if (const auto* verdict = std::get_if<ev::Verdict>(&e.body);
          verdict && verdict->gate == ex->gate && verdict->verdict == "FAIL")
        last = verdict;
    what = fmt::format("gate <a href=\"#step-{0}\">{0}</a> rejected {1} {2} times and has no retries left",
                       html_escape(ex->gate), html_escape(ex->step), ex->attempts);
    if (last) what += "; the last rejection was " + html_escape(check_words(*last));
    detail = ex->feedback;
  } else if (const auto* fail = stop ? std::get_if<ev::Fail>(stop) : nullptr) {
    what = fmt::format("step <a href=\"#step-{0}\">{0}</a> failed", html_escape(fail->step));
    detail = fail->error;
    detail_title = "Error:";
  } else if (const auto* budget = stop ? std::get_if<ev::BudgetExhausted>(stop) : nullptr) {
    what = "a budget stopped it: " + html_escape(budget->reason);
  } else if (const auto* sig = stop ? std::get_if<ev::Interrupted>(stop) : nullptr) {
    what = "it was interrupted (" + html_escape(sig->signal) + ")";
  } else {
    what = "it ended without recording why (the process may have been killed)";
  }
  std::string out = fmt::format("<div id=\"failure\" class=\"banner failure\"><strong>The run did not "
                                "succeed ({})</strong>: {}.",
                                html_escape(v.status), what);
  if (!detail.empty())
    out += fmt::format("<p>{}</p><pre class=\"last-feedback\">{}</pre>", detail_title, html_escape(detail));
  out += fmt::format("<p><code>flow resume {}</code> continues it.</p>", html_escape(v.id));
  return out + "</div>\n";
}

std::string timeline(const RunView& v) {
  int64_t span = std::max<int64_t>(1, v.end_ms - v.start_ms);
  std::string out =
      "<h2>Timeline</h2>\n<p>Every call in start order: agent calls, gate checks, commands and "
      "approvals, reworks (attempt &gt; 1) and retried backend calls included.</p>\n"
      "<table id=\"timeline\"><tr><th>start</th><th>call</th><th>kind</th><th>attempt</th>"
      "<th>agent</th><th>model</th><th>time</th><th>outcome</th><th>verdict</th><th>backend "
      "retries</th><th class=\"bar\"></th></tr>\n";
  for (size_t i = 0; i < v.calls.size(); ++i) {
    const CallRecord& c = v.calls[i];
    int64_t end = c.finished ? c.end_ms : v.end_ms;
    double left = 100.0 * static_cast<double>(c.start_ms - v.start_ms) / static_cast<double>(span);
    double width = 100.0 * static_cast<double>(end - c.start_ms) / static_cast<double>(span);
    std::string outcome = call_outcome(c);
    out += fmt::format(
        "<tr class=\"call-row\" data-step=\"{}\" data-kind=\"{}\" data-attempt=\"{}\" data-outcome=\"{}\">"
        "<td class=\"num\">{}</td><td><a href=\"#call-{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td>"
        "<td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"verdict-{}\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"bar\"><span class=\"{}\" style=\"left:{:.2f}%;width:{:.2f}%\">"
        "</span></td></tr>\n",
        html_escape(c.step), html_escape(c.kind), c.attempt, outcome, precise_seconds(c.start_ms - v.start_ms), i,
        html_escape(call_label(c)), html_escape(c.kind), c.attempt, html_escape(c.agent), html_escape(c.model),
        c.finished ? precise_seconds(c.end_ms - c.start_ms) : "-", outcome, html_escape(c.verdict),
        html_escape(c.verdict), c.backend_retries, outcome, left, width);
  }
  return out + "</table>\n";
}

std::string file_block(const RunView& v, const char* what, const std::string& rel) {
  if (rel.empty()) return "";
  std::string text;
  if (!read_file(v.dir + "/" + rel, &text))
    return fmt::format("<p>{}: <code>{}</code> (not readable)</p>\n", what, html_escape(rel));
  std::string note;
  if (text.size() > kMaxShown) {
    note = fmt::format(" (first {} of {} bytes; the whole file is in the run directory)", kMaxShown, text.size());
    text.resize(kMaxShown);
  }
  return fmt::format("<p>{} <code>{}</code>{}</p><pre class=\"{}\">{}</pre>\n", what, html_escape(rel), note,
                     what, html_escape(text));
}

std::string call_details(const RunView& v, const std::map<std::string, std::string>& status) {
  std::string out = "<h2>Steps</h2>\n<p><button id=\"toggle\" type=\"button\">expand or fold all</button></p>\n";
  std::string current;
  for (size_t i = 0; i < v.calls.size(); ++i) {
    const CallRecord& c = v.calls[i];
    if (c.step != current) {
      // One section per step, at its first call; later attempts (reworks) follow their own
      // section's calls in the timeline, and link here.
      current = c.step;
      auto it = status.find(c.step);
      out += fmt::format("<h3 id=\"step-{0}\">{0} <small>({1})</small></h3>\n", html_escape(c.step),
                         html_escape(it == status.end() ? "" : it->second));
    }
    out += fmt::format("<details class=\"call\" id=\"call-{}\" data-step=\"{}\"><summary>{} — {} attempt {} — "
                       "{}{}</summary>\n",
                       i, html_escape(c.step), html_escape(call_label(c)), html_escape(c.kind), c.attempt,
                       call_outcome(c), c.verdict.empty() ? "" : ", verdict " + html_escape(c.verdict));
    if (!c.error.empty()) out += fmt::format("<p>error</p><pre class=\"error\">{}</pre>\n", html_escape(c.error));
    if (!c.refused.empty()) {
      out += "<p>writes refused (outside the agent's writes)</p><ul class=\"refused\">";
      for (const std::string& r : c.refused) out += "<li>" + html_escape(r) + "</li>";
      out += "</ul>\n";
    }
    out += file_block(v, "prompt", c.prompt_file);
    out += file_block(v, "output", c.output_file);
    if (!c.feedback.empty())
      out += fmt::format("<p>feedback</p><pre class=\"feedback\">{}</pre>\n", html_escape(c.feedback));
    out += "</details>\n";
  }
  return out;
}

std::string usage_row(const std::string& name, const UsageTotals& u) {
  return fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td>"
                     "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                     html_escape(name), u.reported, format_cost(u.cost_usd),
                     u.unpriced ? fmt::format(" ({} without price)", u.unpriced) : "", u.input_tokens,
                     u.output_tokens, u.cache_read_tokens, u.cache_creation_tokens);
}

std::string usage_table(const char* id, const char* title, const std::map<std::string, UsageTotals>& rows) {
  std::string out = fmt::format(
      "<h3>{}</h3>\n<table id=\"{}\" class=\"usage\"><tr><th>name</th><th>calls with usage</th><th>cost</th>"
      "<th>input tokens</th><th>output tokens</th><th>cache read</th><th>cache write</th></tr>\n",
      title, id);
  bool any = false;
  for (const auto& [name, u] : rows)
    if (u.reported > 0) {  // the book counts every call; only those with usage have figures
      out += usage_row(name, u);
      any = true;
    }
  if (!any) out += "<tr><td colspan=\"7\">no call reported cost or tokens</td></tr>\n";
  return out + "</table>\n";
}

std::string costs(const RunView& v) {
  UsageBook book;
  std::map<std::string, UsageTotals> stages;
  for (const CallRecord& c : v.calls) {
    if (!c.end_event) continue;
    book.add(*c.end_event);
    if (c.end_event->usage) stages[c.stage].add(*c.end_event->usage);
  }
  std::string out = "<h2>Cost and tokens</h2>\n";
  if (!book.any())  // a sentence, not four tables of nothing
    return out + "<p id=\"no-cost\">No call of this run reported cost or tokens (the backend does not "
                 "report them, e.g. <code>sim</code> or a command backend).</p>\n";
  out += "<p>" + html_escape(book.report()) + "</p>\n";
  std::map<std::string, UsageTotals> total;
  total["run"] = book.run();
  out += usage_table("cost-run", "Run", total);
  out += usage_table("cost-steps", "Per step", book.steps());
  out += usage_table("cost-agents", "Per agent", book.agents());
  out += usage_table("cost-stages", "Per stage", stages);
  return out;
}

// "2.5" for 2.5 dollars: at most the six decimals a flow may write, no trailing zeros.
std::string rule_dollars(double usd) {
  std::string s = fmt::format("{:.6f}", usd);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A rule of the IR as a flow writes it (docs/language.md, "rule"); "" for a kind this page
// does not know, which is then shown as its JSON.
std::string rule_text(const json& r) {
  std::string kind = string_of(r, "kind"), a = string_of(r, "a");
  auto number = [&](const char* key) {
    auto it = r.find(key);
    return it != r.end() && it->is_number() ? *it : json(0);
  };
  if (kind == "before") return "rule " + a + " before " + string_of(r, "b");
  if (kind == "every-step-reviewed-by") return "rule every step reviewed by " + a;
  if (kind == "at-most-calls") return fmt::format("rule at most {} calls", number("limit").get<int64_t>());
  if (kind == "at-most-tokens") return fmt::format("rule at most {} tokens", number("limit").get<int64_t>());
  if (kind == "at-most-cost") return "rule at most " + rule_dollars(number("limit_usd").get<double>()) + " dollars";
  if (kind == "writes-only" && r.contains("globs") && r["globs"].is_array()) {
    std::string globs;
    for (const json& g : r["globs"]) {
      globs += globs.empty() ? "\"" : ", \"";
      for (char ch : g.is_string() ? g.get<std::string>() : "") {
        if (ch == '"' || ch == '\\') globs += '\\';  // a string as the flow writes it
        globs += ch;
      }
      globs += '"';
    }
    return "rule " + a + " writes only " + globs;
  }
  return "";
}

// "policies.flow:21": where a rule was written, by file name (the IR's paths may be long).
std::string rule_place(const json& r) {
  auto loc = r.find("loc");
  if (loc == r.end() || !loc->is_object()) return "";
  std::string file = string_of(*loc, "file");
  file = file.substr(file.rfind('/') == std::string::npos ? 0 : file.rfind('/') + 1);
  return fmt::format("{}:{}", file, int_of(*loc, "line"));
}

std::string rules(const json& ir) {
  std::string out = "<h2>Rules</h2>\n<p>The flow's rules as written, checked by the compiler before "
                    "the run started (a flow that breaks one does not compile).</p>\n<table id=\"rules\">"
                    "<tr><th>rule</th><th>written at</th></tr>\n";
  int n = 0;
  if (ir.is_object() && ir.contains("rules") && ir["rules"].is_array())
    for (const json& r : ir["rules"]) {
      if (!r.is_object()) continue;
      std::string text = rule_text(r);
      if (text.empty()) {  // an unknown kind: its fields, as recorded
        json shown = r;
        shown.erase("loc");
        text = shown.dump(-1, ' ', false, json::error_handler_t::replace);
      }
      out += fmt::format("<tr class=\"rule\"><td><code>{}</code></td><td>{}</td></tr>\n", html_escape(text),
                         html_escape(rule_place(r)));
      ++n;
    }
  if (n == 0) out += "<tr><td colspan=\"2\">the flow has no rules</td></tr>\n";
  return out + "</table>\n";
}

// Every event as recorded, kinds this page does not know included.
std::string events(const RunView& v) {
  std::string out = "<h2>Events</h2>\n<details><summary>all " + std::to_string(v.events.size()) +
                    " events of events.jsonl</summary>\n<table id=\"events\"><tr><th>seq</th><th>time</th>"
                    "<th>event</th><th>fields</th></tr>\n";
  for (const Event& e : v.events) {
    out += fmt::format("<tr data-event=\"{0}\"><td class=\"num\">{1}</td><td>{2}</td><td>{0}</td><td><code>{3}"
                       "</code></td></tr>\n",
                       html_escape(event_name(e.body)), e.seq, html_escape(e.ts),
                       html_escape(event_fields_text(e)));
  }
  return out + "</table></details>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string clean = printable(text);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char ch : clean) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string report_html(const RunView& v, const std::string& nonce) {
  Summary summary;
  for (const Event& e : v.events) summary.add(e);
  std::map<std::string, std::string> status;
  const ojson steps = ojson::parse(summary.to_json())["steps"];
  for (const auto& s : steps) status[s.value("step", "")] = s.value("status", "");
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'nonce-{}'; img-src data:\">\n<title>flow run {}</title>\n<style>{}</style></head>\n<body>\n",
      nonce, html_escape(v.id), kStyle);
  out += header(v, simulated_banner(v) + failure_banner(v));
  out += "<h2>DAG</h2>\n<p class=\"legend\">";
  for (const char* s : {"done", "passed", "sent back", "unapproved", "failed", "skipped", "unfinished", "not run"})
    out += fmt::format("<span style=\"background:{}\">{}</span>", outcome_colour(s), s);
  out += " Top to bottom: a step waits for those with arrows into it; gates have round ends.</p>\n";
  const json ir = v.ir.empty() ? json() : json::parse(v.ir, nullptr, false);
  out += ir.is_object() ? dag_svg(ir, status) : "<p>ir.json is missing: no DAG.</p>\n";
  out += timeline(v);
  out += call_details(v, status);
  out += costs(v);
  out += rules(ir);
  out += events(v);
  out += fmt::format("<script nonce=\"{}\">{}</script>\n</body></html>\n", nonce, kScript);
  return out;
}

}  // namespace flow::rt

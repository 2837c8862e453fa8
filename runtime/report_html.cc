#include "runtime/report_html.h"

#include <map>

#include <fmt/format.h>

#include "runtime/printable.h"
#include "runtime/report_dag.h"
#include "runtime/run_store.h"
#include "runtime/status.h"
#include "runtime/usage.h"

namespace flow::rt {
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
#dag .edge{stroke:#999;stroke-width:1.2}#dag text{font-size:12px;fill:#111}#dag rect{stroke:#555}
.legend span{display:inline-block;padding:1px 8px;margin-right:4px;border:1px solid #999}
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

std::string precise_seconds(int64_t ms) { return fmt::format("{:.3f}s", ms / 1000.0); }

std::string call_outcome(const CallRecord& c) {
  if (!c.finished) return "unfinished";
  return c.ok ? "ok" : "failed";
}

std::string call_label(const CallRecord& c) {
  std::string s = c.step;
  if (c.index < 0) return s;
  bool check = c.step.find('/') != std::string::npos && !c.item_review;
  return s + (check ? fmt::format(" check {}", c.index) : fmt::format(" [{}]", c.index));
  return s;
}

std::string header(const RunView& v) {
  std::string started = v.meta.value("started", "");
  std::string out = fmt::format("<h1>Run {} of flow {}</h1>\n<table id=\"run\">", html_escape(v.id),
                                html_escape(v.flow));
  out += fmt::format("<tr><th>status</th><td id=\"run-status\">{}</td></tr>", html_escape(v.status));
  out += fmt::format("<tr><th>started</th><td>{}</td></tr>", html_escape(started));
  out += fmt::format("<tr><th>wall time</th><td>{}</td></tr>", precise_seconds(v.end_ms - v.start_ms));
  out += fmt::format("<tr><th>calls</th><td>{}</td></tr>", v.calls.size());
  if (v.meta.contains("inputs") && v.meta["inputs"].is_object())
    for (auto& [k, val] : v.meta["inputs"].items())
      out += fmt::format("<tr><th>input {}</th><td>{}</td></tr>", html_escape(k),
                         html_escape(val.is_string() ? val.get<std::string>()
                                                     : val.dump(-1, ' ', false, json::error_handler_t::replace)));
  return out + "</table>\n";
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
    if (!c.end_event.is_object()) continue;
    book.add(c.end_event);
    if (c.end_event.contains("cost_usd")) stages[c.stage].add(c.end_event);
  }
  std::string out = "<h2>Cost and tokens</h2>\n";
  out += book.any() ? "<p>" + html_escape(book.report()) + "</p>\n"
                    : "<p>No call of this run reported cost or tokens (the backend does not report "
                      "them, e.g. <code>sim</code> or a command backend).</p>\n";
  std::map<std::string, UsageTotals> total;
  if (book.any()) total["run"] = book.run();
  out += usage_table("cost-run", "Run", total);
  out += usage_table("cost-steps", "Per step", book.steps());
  out += usage_table("cost-agents", "Per agent", book.agents());
  out += usage_table("cost-stages", "Per stage", stages);
  return out;
}

std::string rules(const RunView& v) {
  std::string out = "<h2>Rules</h2>\n<p>The flow's rules, checked by the compiler before the run "
                    "started (a flow that breaks one does not compile).</p>\n<table id=\"rules\">"
                    "<tr><th>rule</th><th>as written</th></tr>\n";
  int n = 0;
  if (v.ir.is_object() && v.ir.contains("rules") && v.ir["rules"].is_array())
    for (const json& r : v.ir["rules"]) {
      if (!r.is_object()) continue;
      json shown = r;
      shown.erase("loc");
      shown.erase("kind");
      out += fmt::format("<tr class=\"rule\"><td>{}</td><td><code>{}</code></td></tr>\n", html_escape(string_of(r, "kind")),
                         html_escape(shown.dump(-1, ' ', false, json::error_handler_t::replace)));
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
  for (const json& e : v.events) {
    json rest = e;
    for (const char* k : {"seq", "ts", "ms", "event"}) rest.erase(k);
    out += fmt::format("<tr data-event=\"{0}\"><td class=\"num\">{1}</td><td>{2}</td><td>{0}</td><td><code>{3}"
                       "</code></td></tr>\n",
                       html_escape(string_of(e, "event")), e.value("seq", int64_t{0}), html_escape(string_of(e, "ts")),
                       html_escape(rest.dump(-1, ' ', false, json::error_handler_t::replace)));
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
  for (const json& e : v.events) summary.add(e);
  std::map<std::string, std::string> status;
  const ojson steps = summary.to_json()["steps"];  // a copy: to_json() returns a temporary
  for (const auto& s : steps) status[s.value("step", "")] = s.value("status", "");
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'nonce-{}'; img-src data:\">\n<title>flow run {}</title>\n<style>{}</style></head>\n<body>\n",
      nonce, html_escape(v.id), kStyle);
  out += header(v);
  out += "<h2>DAG</h2>\n<p class=\"legend\">";
  for (const char* s : {"done", "passed", "sent back", "unapproved", "failed", "skipped", "unfinished"})
    out += fmt::format("<span style=\"background:{}\">{}</span>", outcome_colour(s), s);
  out += "</p>\n";
  out += v.ir.is_object() ? dag_svg(v.ir, status) : "<p>ir.json is missing: no DAG.</p>\n";
  out += timeline(v);
  out += call_details(v, status);
  out += costs(v);
  out += rules(v);
  out += events(v);
  out += fmt::format("<script nonce=\"{}\">{}</script>\n</body></html>\n", nonce, kScript);
  return out;
}

}  // namespace flow::rt

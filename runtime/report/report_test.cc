// The run read back for `flow report` and `flow export`: calls paired with their ends, the
// OTLP/JSON mapping, HTML escaping and the DAG's layers.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <set>

#include "runtime/report/otlp_json.h"
#include "runtime/report/report_dag.h"
#include "runtime/report/report_html.h"
#include "runtime/store/run_store.h"
#include "runtime/report/run_view.h"
#include "runtime/testing.h"

namespace {

using json = nlohmann::json;
using flow::rt::testing::TempDir;

const char* kEvents[] = {
    R"({"seq":1,"ts":"2026-11-21T10:00:00.000Z","ms":0,"event":"run_start","run":"r1","flow":"demo"})",
    R"({"seq":2,"ts":"2026-11-21T10:00:00.100Z","ms":100,"event":"dispatch","step":"plan","stage":"main","attempt":1,"kind":"agent","agent":"planner","model":"claude-sonnet-4-5","backend":"anthropic"})",
    R"({"seq":3,"ts":"2026-11-21T10:00:01.100Z","ms":1100,"event":"attempt","step":"plan","kind":"agent","attempt":1,"ok":true,"duration_ms":1000,"output":"steps/plan.a1.output.md","agent":"planner","cost_usd":0.25,"input_tokens":1200,"output_tokens":300,"cache_read_tokens":7,"cache_creation_tokens":0,"turns":2})",
    R"({"seq":4,"ts":"2026-11-21T10:00:01.200Z","ms":1200,"event":"dispatch","step":"plan/gate","stage":"main","attempt":1,"index":0,"kind":"review","agent":"critic","model":"sonnet","backend":"sim"})",
    R"({"seq":5,"ts":"2026-11-21T10:00:01.300Z","ms":1300,"event":"attempt","step":"plan/gate","kind":"review","attempt":1,"index":0,"ok":true,"duration_ms":100})",
    R"({"seq":6,"ts":"2026-11-21T10:00:01.300Z","ms":1300,"event":"verdict","gate":"plan/gate","step":"plan","attempt":1,"index":0,"check":"review","verdict":"FAIL","feedback":"<b>more</b>"})",
    R"({"seq":7,"ts":"2026-11-21T10:00:01.400Z","ms":1400,"event":"mystery_new_kind","step":"plan","detail":"<i>x</i>"})",
    R"({"seq":8,"ts":"2026-11-21T10:00:01.500Z","ms":1500,"event":"dispatch","step":"plan","stage":"main","attempt":2,"kind":"agent","agent":"planner","model":"claude-sonnet-4-5","backend":"anthropic"})",
    R"({"seq":9,"ts":"2026-11-21T10:00:02.000Z","ms":2000,"event":"attempt","step":"plan","kind":"agent","attempt":2,"ok":false,"duration_ms":500,"error":"boom"})",
    R"({"seq":10,"ts":"2026-11-21T10:00:02.000Z","ms":2000,"event":"run_end","status":"failed"})",
};

std::string make_run(const TempDir& t) {
  std::string dir = t.path + "/r1";
  std::string err;
  REQUIRE(flow::rt::make_dirs(dir + "/steps", &err));
  REQUIRE(flow::rt::write_file(dir + "/run.json", R"({"id":"r1","flow":"demo","status":"failed"})", &err));
  REQUIRE(flow::rt::write_file(dir + "/steps/plan.a1.output.md", "</textarea><script>alert(1)</script>", &err));
  std::string events;
  for (const char* e : kEvents) events += std::string(e) + "\n";
  REQUIRE(flow::rt::write_file(dir + "/events.jsonl", events, &err));
  return dir;
}

std::string attr(const json& span, const std::string& key) {
  for (const json& a : span["attributes"])
    if (a["key"] == key) return a["value"].dump();
  return "";
}

}  // namespace

TEST_CASE("parse_iso_ms reads the events' timestamps") {
  CHECK(flow::rt::parse_iso_ms("1970-01-01T00:00:01.234Z") == 1234);
  CHECK(flow::rt::parse_iso_ms("2026-11-21T10:00:00.000Z") == 1795255200000);
  CHECK(flow::rt::parse_iso_ms("yesterday") == -1);
}

TEST_CASE("a run's calls pair each dispatch with its end, verdict and usage") {
  TempDir t;
  flow::rt::RunView v;
  std::string err;
  REQUIRE(flow::rt::load_run_view(make_run(t), &v, &err));
  REQUIRE(v.calls.size() == 3);
  CHECK(v.calls[0].ok);
  CHECK(v.calls[0].end_ms - v.calls[0].start_ms == 1000);
  CHECK(v.calls[1].verdict == "FAIL");
  CHECK(v.calls[1].feedback == "<b>more</b>");
  CHECK(v.calls[2].attempt == 2);
  CHECK_FALSE(v.calls[2].ok);
  CHECK(v.calls[2].error == "boom");
  CHECK(v.events.size() == 10);
}

TEST_CASE("load_run_view says which file is missing") {
  TempDir t;
  flow::rt::RunView v;
  std::string err;
  CHECK_FALSE(flow::rt::load_run_view(t.path + "/nope", &v, &err));
  CHECK(err.find("run.json") != std::string::npos);
}

TEST_CASE("run_to_otlp maps the run, stages, steps and calls to linked spans") {
  TempDir t;
  flow::rt::RunView v;
  std::string err;
  REQUIRE(flow::rt::load_run_view(make_run(t), &v, &err));
  json doc = json::parse(flow::rt::run_to_otlp(v).dump());
  const json& spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
  // run + 1 stage + 2 steps (plan, plan/gate) + 3 calls
  REQUIRE(spans.size() == 7);
  std::set<std::string> ids;
  std::map<std::string, json> by_id;
  for (const json& s : spans) {
    CHECK(s["traceId"] == flow::rt::otlp_trace_id("r1"));
    CHECK(s["traceId"].get<std::string>().size() == 32);
    CHECK(s["spanId"].get<std::string>().size() == 16);
    ids.insert(s["spanId"].get<std::string>());
    by_id[s["spanId"]] = s;
  }
  CHECK(ids.size() == spans.size());
  const json& root = spans[0];
  CHECK_FALSE(root.contains("parentSpanId"));
  CHECK(root["status"]["code"] == 2);  // the run failed
  CHECK(root["startTimeUnixNano"] == "1795255200000000000");
  CHECK(root["endTimeUnixNano"] == "1795255202000000000");
  const json& first = spans[4];
  CHECK(first["name"] == "invoke_agent planner");
  CHECK(first["kind"] == 3);
  CHECK(first["startTimeUnixNano"] == "1795255200100000000");
  CHECK(first["endTimeUnixNano"] == "1795255201100000000");
  CHECK(attr(first, "gen_ai.request.model") == R"({"stringValue":"claude-sonnet-4-5"})");
  CHECK(attr(first, "gen_ai.provider.name") == R"({"stringValue":"anthropic"})");
  CHECK(attr(first, "gen_ai.usage.input_tokens") == R"({"intValue":"1200"})");
  CHECK(attr(first, "gen_ai.usage.output_tokens") == R"({"intValue":"300"})");
  CHECK(attr(first, "flow.cost_usd") == R"({"doubleValue":0.25})");
  CHECK(first["status"]["code"] == 1);
  // call → step → stage → run
  const json& step = by_id.at(first["parentSpanId"].get<std::string>());
  CHECK(step["name"] == "step plan");
  const json& stage = by_id.at(step["parentSpanId"].get<std::string>());
  CHECK(stage["name"] == "stage main");
  CHECK(stage["parentSpanId"] == root["spanId"]);
  const json& review = spans[5];
  CHECK(by_id.at(review["parentSpanId"].get<std::string>())["name"] == "gate plan/gate");
  CHECK(attr(review, "flow.verdict") == R"({"stringValue":"FAIL"})");
  const json& failed = spans[6];
  CHECK(failed["status"]["code"] == 2);
  CHECK(failed["status"]["message"] == "boom");
}

TEST_CASE("html_escape escapes markup and drops control and bidi characters") {
  CHECK(flow::rt::html_escape("<script>\"x\"&'y'</script>") ==
        "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;");
  CHECK(flow::rt::html_escape("a\x1b[2Jb\u202Ec\x07") == "abc");
}

TEST_CASE("the report escapes agent text and shows unknown event kinds as they are") {
  TempDir t;
  flow::rt::RunView v;
  std::string err;
  REQUIRE(flow::rt::load_run_view(make_run(t), &v, &err));
  std::string page = flow::rt::report_html(v, "n0nce");
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("&lt;b&gt;more&lt;/b&gt;") != std::string::npos);
  CHECK(page.find("data-event=\"mystery_new_kind\"") != std::string::npos);
  CHECK(page.find("script-src 'nonce-n0nce'") != std::string::npos);
  // No ir.json in this run: the page says so instead of drawing a DAG.
  CHECK(page.find("ir.json is missing") != std::string::npos);
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) ++scripts;
  CHECK(scripts == 1);
}

TEST_CASE("the report colours each DAG node by its step's outcome") {
  TempDir t;
  std::string dir = make_run(t), err;
  REQUIRE(flow::rt::write_file(dir + "/ir.json", R"({"nodes":[
    {"id":0,"name":"plan","kind":"agent","deps":[]},
    {"id":1,"name":"plan/gate","kind":"gate","deps":[0]},
    {"id":2,"name":"later","kind":"agent","deps":[1]}]})", &err));
  flow::rt::RunView v;
  REQUIRE(flow::rt::load_run_view(dir, &v, &err));
  std::string page = flow::rt::report_html(v, "n");
  // plan's last attempt failed with no `done`, the gate was dispatched: both still running.
  CHECK(page.find("data-step=\"plan\" data-kind=\"agent\" data-status=\"running\"") != std::string::npos);
  CHECK(page.find("data-step=\"plan/gate\" data-kind=\"gate\" data-status=\"running\"") != std::string::npos);
  CHECK(page.find("data-step=\"later\" data-kind=\"agent\" data-status=\"not run\"") != std::string::npos);
}

// The number in attribute `name` of the first <rect> after node `step`'s start in `svg`.
int rect_attr(const std::string& svg, const std::string& step, const char* name) {
  size_t at = svg.find("data-step=\"" + step + "\"");
  REQUIRE(at != std::string::npos);
  size_t v = svg.find(std::string(" ") + name + "=\"", svg.find("<rect", at));
  return std::stoi(svg.substr(v + std::strlen(name) + 3));
}

TEST_CASE("the DAG puts each node in the layer of its longest dependency path, top to bottom") {
  json ir = json::parse(R"({"nodes":[
    {"id":0,"name":"a","kind":"agent","deps":[]},
    {"id":1,"name":"b","kind":"agent","deps":[0]},
    {"id":2,"name":"c","kind":"agent","deps":[0,1]},
    {"id":3,"name":"d","kind":"agent","deps":[4]},
    {"id":4,"name":"e","kind":"agent","deps":[]}]})");
  std::string svg = flow::rt::dag_svg(ir, {{"a", "done"}, {"b", "failed"}});
  auto y_of = [&](const std::string& name) { return rect_attr(svg, name, "y"); };
  CHECK(y_of("a") < y_of("b"));
  CHECK(y_of("b") < y_of("c"));  // c waits for b, not only for a
  CHECK(y_of("e") < y_of("d"));  // a dependency written after its user
  CHECK(y_of("a") == y_of("e"));  // two sources side by side
  CHECK(svg.find("data-step=\"b\" data-kind=\"agent\" data-status=\"failed\"") != std::string::npos);
  CHECK(svg.find("data-status=\"not run\"") != std::string::npos);
}

TEST_CASE("a long flow and a wide fan-in stay narrower than a 1400 px page") {
  // 60 steps in a row (the old left-to-right layout drew them 15,000 px wide), then 13
  // parallel steps and the one that waits for them all.
  json nodes = json::array();
  for (int i = 0; i < 60; ++i)
    nodes.push_back({{"id", i}, {"name", "s" + std::to_string(i)}, {"kind", "agent"},
                     {"deps", i ? json::array({i - 1}) : json::array()}});
  json all = json::array();
  for (int i = 60; i < 73; ++i) {
    nodes.push_back({{"id", i}, {"name", "p" + std::to_string(i)}, {"kind", "agent"}, {"deps", {59}}});
    all.push_back(i);
  }
  nodes.push_back({{"id", 73}, {"name", "join"}, {"kind", "agent"}, {"deps", all}});
  std::string svg = flow::rt::dag_svg({{"nodes", nodes}}, {});
  size_t w = svg.find("width=\"");
  int width = std::stoi(svg.substr(w + 7));
  CHECK(width <= 1350);  // the page's margins leave 1350 of 1400 px
  std::set<int> rows;
  for (int i = 60; i < 73; ++i) {
    std::string name = "p" + std::to_string(i);
    CHECK(rect_attr(svg, name, "x") + rect_attr(svg, name, "width") <= width);
    rows.insert(rect_attr(svg, name, "y"));
  }
  CHECK(rows.size() == 4);  // 13 parallel steps wrap onto four rows
  CHECK(rect_attr(svg, "join", "y") > *rows.rbegin());
  CHECK(rect_attr(svg, "s59", "y") < *rows.begin());
}

namespace {

// A run of `events` (one JSON object a line) with `ir` as its ir.json; the page.
std::string report_page(const TempDir& t, const std::string& status, const std::vector<std::string>& events,
                        const std::string& ir = "") {
  std::string dir = t.path + "/r2", err, text;
  REQUIRE(flow::rt::make_dirs(dir, &err));
  REQUIRE(flow::rt::write_file(dir + "/run.json", R"({"id":"r2","flow":"demo","status":")" + status + "\"}", &err));
  for (const std::string& e : events) text += e + "\n";
  REQUIRE(flow::rt::write_file(dir + "/events.jsonl", text, &err));
  if (!ir.empty()) REQUIRE(flow::rt::write_file(dir + "/ir.json", ir, &err));
  flow::rt::RunView v;
  REQUIRE(flow::rt::load_run_view(dir, &v, &err));
  return flow::rt::report_html(v, "n");
}

const char* kSimStart = R"({"seq":1,"ts":"2026-11-21T10:00:00.000Z","event":"run_start","simulated":true,"backend":"sim"})";

}  // namespace

TEST_CASE("the report says at the top that agents were simulated, and only then") {
  TempDir t;
  std::string page = report_page(t, "succeeded", {kSimStart});
  size_t banner = page.find("id=\"simulated\"");
  REQUIRE(banner != std::string::npos);
  CHECK(banner < page.find("<table id=\"run\""));
  CHECK(page.find("Agents were simulated") != std::string::npos);
  TempDir real;
  CHECK(report_page(real, "succeeded", {R"({"seq":1,"event":"run_start","simulated":false})"})
            .find("id=\"simulated\"") == std::string::npos);
}

TEST_CASE("the report numbers a gate's checks and a fan-out's items from 1, as the terminal does") {
  TempDir t;
  std::string page = report_page(t, "succeeded", {
      R"({"seq":1,"ts":"2026-11-21T10:00:00.000Z","event":"dispatch","step":"plan/gate","attempt":1,"index":0,"kind":"review","agent":"critic"})",
      R"({"seq":2,"ts":"2026-11-21T10:00:00.100Z","event":"dispatch","step":"plan/gate","attempt":1,"index":1,"kind":"check"})",
      R"({"seq":3,"ts":"2026-11-21T10:00:00.200Z","event":"dispatch","step":"audit","attempt":1,"index":0,"kind":"agent"})"});
  CHECK(page.find(">plan/gate check 1<") != std::string::npos);
  CHECK(page.find(">plan/gate check 2<") != std::string::npos);
  CHECK(page.find(">audit[1]<") != std::string::npos);
  CHECK(page.find("check 0") == std::string::npos);
  CHECK(page.find("audit[0]") == std::string::npos);
  CHECK(page.find("audit [0]") == std::string::npos);
}

TEST_CASE("the report shows rules as the flow writes them") {
  TempDir t;
  std::string page = report_page(t, "succeeded", {}, R"({"nodes":[],"rules":[
    {"kind":"before","a":"plan","b":"build","loc":{"file":"/x/y/main.flow","line":7,"col":1}},
    {"kind":"every-step-reviewed-by","a":"critic","loc":null},
    {"kind":"at-most-calls","limit":40},
    {"kind":"at-most-tokens","limit":500000},
    {"kind":"at-most-cost","limit_usd":2.5},
    {"kind":"writes-only","a":"coder","globs":["src/**","odd\"name"]},
    {"kind":"some-newer-kind","a":"x"}]})");
  for (const char* written : {"<code>rule plan before build</code></td><td>main.flow:7</td>",
                              "<code>rule every step reviewed by critic</code>",
                              "<code>rule at most 40 calls</code>", "<code>rule at most 500000 tokens</code>",
                              "<code>rule at most 2.5 dollars</code>",
                              "<code>rule coder writes only &quot;src/**&quot;, &quot;odd\\&quot;name&quot;</code>",
                              "<code>{&quot;a&quot;:&quot;x&quot;,&quot;kind&quot;:&quot;some-newer-kind&quot;}</code>"}) {
    INFO(written);
    CHECK(page.find(written) != std::string::npos);
  }
  CHECK(page.find("&quot;b&quot;:&quot;build&quot;") == std::string::npos);  // not as JSON
}

TEST_CASE("the report gives one sentence instead of empty cost tables") {
  TempDir t;
  std::string page = report_page(t, "succeeded", {
      kSimStart,
      R"({"seq":2,"ts":"2026-11-21T10:00:00.000Z","event":"dispatch","step":"plan","attempt":1,"kind":"agent","agent":"planner","backend":"sim"})",
      R"({"seq":3,"ts":"2026-11-21T10:00:01.000Z","event":"attempt","step":"plan","kind":"agent","attempt":1,"ok":true})"});
  CHECK(page.find("id=\"no-cost\"") != std::string::npos);
  CHECK(page.find("class=\"usage\"") == std::string::npos);
  TempDir priced;
  std::string costs = report_page(priced, "succeeded", {
      R"({"seq":2,"ts":"2026-11-21T10:00:00.000Z","event":"dispatch","step":"plan","attempt":1,"kind":"agent","agent":"planner"})",
      R"({"seq":3,"ts":"2026-11-21T10:00:01.000Z","event":"attempt","step":"plan","kind":"agent","attempt":1,"ok":true,"agent":"planner","cost_usd":0.25,"input_tokens":10,"output_tokens":5})"});
  CHECK(costs.find("id=\"no-cost\"") == std::string::npos);
  for (const char* table : {"cost-run", "cost-steps", "cost-agents", "cost-stages"})
    CHECK(costs.find(std::string("<table id=\"") + table + "\"") != std::string::npos);
}

TEST_CASE("a failed run's report says at the top which gate or step failed and why") {
  TempDir t;
  std::string page = report_page(t, "failed", {
      R"({"seq":1,"event":"verdict","gate":"plan/gate","step":"plan","attempt":1,"index":1,"check":"review","agent":"critic","verdict":"FAIL","feedback":"first"})",
      R"({"seq":2,"event":"verdict","gate":"plan/gate","step":"plan","attempt":3,"index":1,"check":"review","agent":"critic","verdict":"FAIL","feedback":"<b>still</b> wrong"})",
      R"({"seq":3,"event":"exhausted","gate":"plan/gate","step":"plan","attempts":3,"action":"stop","feedback":"<b>still</b> wrong"})",
      R"({"seq":4,"event":"fail","step":"plan/gate","error":"retries exhausted"})",
      R"({"seq":5,"event":"run_end","status":"failed"})"});
  size_t banner = page.find("id=\"failure\"");
  REQUIRE(banner != std::string::npos);
  CHECK(banner < page.find("<table id=\"run\""));
  CHECK(page.find("gate <a href=\"#step-plan/gate\">plan/gate</a> rejected plan 3 times and has no retries "
                  "left; the last rejection was check 2 (review by critic)") != std::string::npos);
  CHECK(page.find("<pre class=\"last-feedback\">&lt;b&gt;still&lt;/b&gt; wrong</pre>") != std::string::npos);
  CHECK(page.find("flow resume r2") != std::string::npos);

  TempDir step;
  std::string failed_step = report_page(step, "failed", {R"({"seq":1,"event":"fail","step":"build","error":"exit 2"})"});
  CHECK(failed_step.find("step <a href=\"#step-build\">build</a> failed") != std::string::npos);
  CHECK(failed_step.find("<pre class=\"last-feedback\">exit 2</pre>") != std::string::npos);
  TempDir ok;
  CHECK(report_page(ok, "succeeded", {}).find("id=\"failure\"") == std::string::npos);
}

TEST_CASE("a damaged run's fields of the wrong type do not stop the report") {
  TempDir t;
  std::string page;
  REQUIRE_NOTHROW(page = report_page(t, "failed", {
      R"({"seq":1,"event":"run_start","simulated":"yes"})",
      R"({"seq":2,"event":"verdict","gate":"g/gate","verdict":"FAIL","index":"first","check":"review"})",
      R"({"seq":3,"event":"exhausted","gate":"g/gate","step":"g","attempts":"three","action":"stop"})"},
      R"({"nodes":[{"id":0,"name":7,"kind":["agent"],"stage":{"x":1},"deps":[]}],
          "rules":[{"kind":"at-most-calls","limit":"many","loc":{"file":"f.flow","line":"one"}}]})"));
  CHECK(page.find("id=\"simulated\"") == std::string::npos);  // "yes" is not true
  CHECK(page.find("rejected g 0 times") != std::string::npos);
  CHECK(page.find("check 1 (review") == std::string::npos);  // no agent: just the number
  CHECK(page.find("rule at most 0 calls") != std::string::npos);
}

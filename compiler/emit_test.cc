#include "compiler/emit.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "compiler/diagnostic_registry.h"

namespace {

struct Fixture {
  flow::SourceMap sources;
  std::vector<flow::Diagnostic> diags;
  Fixture() {
    uint32_t id = sources.add("dir/my flow.flow", "stage s zz\nstage t a,b\n");
    flow::Diagnostic e = flow::make_diagnostic("E0101", sources.span(id, 8, 10),
                                               "agent `zz` is not declared");
    e.help = "did you mean `z`?";
    e.secondary.push_back({sources.span(id, 0, 5), "in this stage"});
    diags.push_back(e);
    flow::Diagnostic w = flow::make_diagnostic("W0100", sources.span(id, 19, 22),
                                               "a: b, c\nd%");
    diags.push_back(w);
  }
  std::vector<flow::Report> reports() const { return {{&sources, &diags}}; }
};

}  // namespace

TEST_CASE("json output carries every field of a diagnostic") {
  Fixture f;
  auto j = nlohmann::json::parse(flow::emit_json(f.reports()));
  CHECK(j["version"] == 1);
  REQUIRE(j["diagnostics"].size() == 2);
  auto d = j["diagnostics"][0];
  CHECK(d["file"] == "dir/my flow.flow");
  CHECK(d["line"] == 1);
  CHECK(d["col"] == 9);
  CHECK(d["end_col"] == 11);
  CHECK(d["severity"] == "error");
  CHECK(d["code"] == "E0101");
  CHECK(d["help"] == "did you mean `z`?");
  CHECK(d["related"][0]["message"] == "in this stage");
  CHECK(j["diagnostics"][1]["severity"] == "warning");
}

TEST_CASE("github annotations escape properties and data") {
  Fixture f;
  CHECK(flow::emit_github(f.reports()) ==
        "::error file=dir/my flow.flow,line=1,col=9,endLine=1,endColumn=11,title=E0101::"
        "agent `zz` is not declared%0Ahelp: did you mean `z`?\n"
        "::warning file=dir/my flow.flow,line=2,col=9,endLine=2,endColumn=12,title=W0100::"
        "a: b, c%0Ad%25\n");
}

TEST_CASE("sarif output is 2.1.0 with the rules its results use") {
  Fixture f;
  auto j = nlohmann::json::parse(flow::emit_sarif(f.reports(), "0.1.0"));
  CHECK(j["version"] == "2.1.0");
  auto run = j["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "flowc");
  REQUIRE(run["tool"]["driver"]["rules"].size() == 2);
  CHECK(run["tool"]["driver"]["rules"][0]["id"] == "E0101");
  CHECK(run["tool"]["driver"]["rules"][0]["name"] == "UndefinedAgent");
  CHECK(run["tool"]["driver"]["rules"][1]["defaultConfiguration"]["level"] == "warning");
  auto res = run["results"][0];
  CHECK(res["ruleIndex"] == 0);
  CHECK(res["level"] == "error");
  auto loc = res["locations"][0]["physicalLocation"];
  CHECK(loc["artifactLocation"]["uri"] == "dir/my%20flow.flow");
  CHECK(loc["region"]["startLine"] == 1);
  CHECK(loc["region"]["startColumn"] == 9);
  CHECK(loc["region"]["endColumn"] == 11);
  CHECK(res["relatedLocations"][0]["message"]["text"] == "in this stage");
  CHECK(run["results"][1]["ruleIndex"] == 1);
}

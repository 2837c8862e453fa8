#include "compiler/diagnostic_registry.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

TEST_CASE("the registry is sorted, unique, and every entry is complete") {
  const auto& kinds = flow::diagnostic_kinds();
  REQUIRE(kinds.size() > 40);
  for (size_t i = 0; i < kinds.size(); ++i) {
    INFO(kinds[i].code);
    CHECK(std::regex_match(kinds[i].code, std::regex("[EW][0-9]{4}")));
    CHECK(!kinds[i].title.empty());
    CHECK(!kinds[i].explanation.empty());
    CHECK((kinds[i].code[0] == 'W') == (kinds[i].severity == flow::Severity::Warning));
    if (i > 0) CHECK(kinds[i - 1].code < kinds[i].code);
  }
  CHECK(flow::find_diagnostic_kind("E0101")->title == "undefined agent");
  CHECK(flow::find_diagnostic_kind("E0001"));  // syntax errors come from lang/
  CHECK_FALSE(flow::find_diagnostic_kind("E9999"));
}

TEST_CASE("make_diagnostic takes the kind's severity") {
  flow::Diagnostic d = flow::make_diagnostic("W0100", {}, "agent `x` is never used");
  CHECK(d.severity == flow::Severity::Warning);
  CHECK(d.code == "W0100");
}

// docs/diagnostics.md has a heading per code: "### E0101: undefined agent".
TEST_CASE("docs/diagnostics.md lists exactly the registry's codes, with their titles") {
  std::ifstream in(std::string(FLOW_SOURCE_DIR) + "/docs/diagnostics.md");
  REQUIRE(in);
  std::map<std::string, std::string> documented;
  std::regex heading("^#+ `?([EW][0-9]{4})`?: (.*)$");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, heading)) documented[m[1]] = m[2];
  }
  for (const flow::DiagnosticKind& k : flow::diagnostic_kinds()) {
    INFO(k.code << " is in the registry");
    REQUIRE(documented.count(k.code));
    CHECK(documented[k.code] == k.title);
  }
  for (const auto& [code, title] : documented) {
    INFO(code << " is in docs/diagnostics.md");
    CHECK(flow::find_diagnostic_kind(code));
  }
}

// Each compiler code has a golden test showing it fire (fail_CODE_*.flow) and one showing it
// stay quiet on a near miss (ok_CODE_*.flow); syntax codes are covered in tests/lang.
TEST_CASE("every compiler diagnostic has golden tests that fire and stay quiet") {
  namespace fs = std::filesystem;
  std::map<std::string, int> fail, ok;
  for (const auto& e : fs::directory_iterator(std::string(FLOW_SOURCE_DIR) + "/tests/compiler")) {
    std::string name = e.path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, std::regex("(fail|ok)_([EW][0-9]{4})_.*\\.flow")))
      ++(m[1] == "fail" ? fail : ok)[m[2]];
  }
  for (const flow::DiagnosticKind& k : flow::diagnostic_kinds()) {
    if (k.code < "E0100" && k.code[0] == 'E') continue;
    INFO(k.code);
    CHECK(fail[k.code] > 0);
    CHECK(ok[k.code] > 0);
  }
}

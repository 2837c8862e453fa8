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
namespace {

// Text with every run of whitespace made one space, trimmed: a paragraph as markdown wraps it
// and as the registry wraps it compare equal.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

// One source for what a code means: the registry (what `flowc explain` prints), which the
// page's section for the code repeats word for word.
TEST_CASE("docs/diagnostics.md lists exactly the registry's codes, with their titles and explanations") {
  std::ifstream in(std::string(FLOW_SOURCE_DIR) + "/docs/diagnostics.md");
  REQUIRE(in);
  std::map<std::string, std::string> documented, body;
  std::regex heading("^#+ `?([EW][0-9]{4})`?: (.*)$");
  std::string line, current;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, heading)) {
      current = m[1];
      documented[current] = m[2];
    } else if (!line.empty() && line[0] == '#') {
      current.clear();
    } else if (!current.empty()) {
      body[current] += line + "\n";
    }
  }
  for (const flow::DiagnosticKind& k : flow::diagnostic_kinds()) {
    INFO(k.code << " is in the registry");
    REQUIRE(documented.count(k.code));
    CHECK(documented[k.code] == k.title);
    CHECK(one_line(body[k.code]) == one_line(std::string(k.explanation)));
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

// A large file is parsed in two halves on two threads (lang/parser.cc). Whatever the text,
// the result must be exactly that of one pass: the same tree, spans and diagnostics.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "lang/ast_dump.h"
#include "lang/parser.h"

namespace fs = std::filesystem;

namespace {

using namespace flow;

// Parses `text` in one pass and split (from any size on); both must agree. Returns where the
// split parse joined its halves (0: it fell back to one pass).
uint32_t split_point_of(const std::string& text) {
  SourceMap sources;
  uint32_t id = sources.add("t.flow", text);
  ParseResult one = parse(sources, id, SIZE_MAX);
  ParseResult two = parse(sources, id, 0);
  CHECK(one.split_at == 0);
  REQUIRE(dump_parse(two) == dump_parse(one));
  return two.split_at;
}

const std::string kHeader =
    "flow big \"many stages\"\nagent a < tools Read >\nagent critic < role reviewer >\n";

// `n` stages of three steps each, and a rule.
std::string stages(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += fmt::format("stage s{} <\n  parallel < a \"x\" as s{}-1; a as s{}-2 > review critic "
                       "retries 1;\n  a over [\"p\", \"q\"] as s{}-3 after s{}-1\n>\n",
                       i, i, i, i, i);
  return out + "rule every step reviewed by critic\n";
}

}  // namespace

TEST_CASE("split parse: a large clean file is parsed in two halves, as in one pass") {
  std::string text = kHeader + stages(200);
  uint32_t at = split_point_of(text);
  CHECK(at > text.size() / 3);
  CHECK(text.compare(at, 6, "stage ") == 0);
}

TEST_CASE("split parse: a guess inside a long string is refused and the file parsed on") {
  // The middle of the file is a prompt whose lines look like statements.
  std::string prompt = "agent writer < prompt \"\"\"\n";
  for (int i = 0; i < 400; ++i) prompt += fmt::format("stage fake{} < a >\nrule x before y\n", i);
  prompt += "\"\"\" >\n";
  std::string text = kHeader + stages(5) + prompt + stages(5);
  CHECK(split_point_of(text) == 0);
}

TEST_CASE("split parse: an error in the second half gives the one-pass messages") {
  std::string text = kHeader + stages(100) + "stage broken < a as >\n" + stages(3);
  CHECK(split_point_of(text) == 0);
}

TEST_CASE("split parse: an error in the first half is reported once, and the halves join") {
  std::string text = kHeader + "stage early < a as >\n" + stages(100);
  CHECK(split_point_of(text) > 0);
}

TEST_CASE("split parse: a `flow` header in the second half is out of place as in one pass") {
  std::string text = kHeader + stages(100);
  text.insert(text.size() / 2 + text.substr(text.size() / 2).find("\nstage ") + 1,
              "flow again \"second\"\n");
  CHECK(split_point_of(text) == 0);
}

TEST_CASE("split parse: every .flow file of the repository parses the same both ways") {
  int files = 0;
  for (const char* dir : {"examples", "stdlib", "tests", "fuzz"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(FLOW_SOURCE_DIR) / dir)) {
      if (e.path().extension() != ".flow") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      INFO(e.path().string());
      split_point_of(ss.str());
      ++files;
    }
  }
  CHECK(files > 100);
}

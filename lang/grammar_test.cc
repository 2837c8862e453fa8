// Whole-grammar properties: no rule can loop without consuming input, and the one-shot `file`
// rule agrees with the statement-by-statement parser on what is valid.
#include <catch2/catch.hpp>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include "lang/grammar.h"
#include "lang/parser.h"

namespace pegtl = tao::pegtl;

namespace {

template <typename Rule>
bool full_match(const std::string& text) {
  pegtl::memory_input in(text, "test");
  try {
    return pegtl::parse<pegtl::seq<Rule, pegtl::eof>>(in);
  } catch (const pegtl::parse_error&) {
    return false;
  }
}

}  // namespace

TEST_CASE("the grammar has no rules that loop without consuming input") {
  CHECK(pegtl::analyze<flow::grammar::file>(false) == 0);
}

TEST_CASE("identifiers") {
  using flow::grammar::ident;
  CHECK(full_match<ident>("a"));
  CHECK(full_match<ident>("_x"));
  CHECK(full_match<ident>("code-review"));
  CHECK(full_match<ident>("a--b"));
  CHECK(full_match<ident>("backend_planner2"));
  CHECK(full_match<ident>("agents-x"));
  CHECK_FALSE(full_match<ident>("2a"));
  CHECK_FALSE(full_match<ident>("-a"));
  CHECK_FALSE(full_match<ident>("code-"));
  CHECK_FALSE(full_match<ident>("stage"));
  CHECK_FALSE(full_match<ident>("uses"));
  CHECK(full_match<ident>("stages"));
  CHECK(full_match<ident>("each"));
  CHECK(full_match<ident>("true"));
}

TEST_CASE("identifiers may hold a dot between name characters, as agent files' names do") {
  using flow::grammar::ident;
  CHECK(full_match<ident>("dotnet-framework-4.8-expert"));
  CHECK(full_match<ident>("vue.js"));
  CHECK(full_match<ident>("a.b.c"));
  CHECK_FALSE(full_match<ident>("a."));
  CHECK_FALSE(full_match<ident>("a..b"));
  CHECK_FALSE(full_match<ident>(".a"));
  CHECK_FALSE(full_match<ident>("a.-b"));
  CHECK_FALSE(full_match<ident>("a.b-"));
  CHECK(flow::is_name("dotnet-framework-4.8-expert"));
  CHECK_FALSE(flow::is_name("Code Review"));
  CHECK_FALSE(flow::is_name("3d-modeler"));
  CHECK_FALSE(flow::is_name("code-"));
  CHECK_FALSE(flow::is_name("stage"));
  CHECK_FALSE(flow::is_name(""));
}

TEST_CASE("every keyword is reserved") {
  for (const char* kw : {"after", "agent", "agents", "approve", "as", "check", "else", "flow",
                         "from", "input", "over", "parallel", "retries", "review", "rule", "run",
                         "sequence", "stage", "use", "uses", "when"}) {
    INFO(kw);
    CHECK(full_match<flow::grammar::reserved>(kw));
    CHECK_FALSE(full_match<flow::grammar::ident>(kw));
  }
}

TEST_CASE("integers have at most nine digits") {
  using flow::grammar::integer;
  CHECK(full_match<integer>("0"));
  CHECK(full_match<integer>("123456789"));
  CHECK_FALSE(full_match<integer>("1234567890"));
  CHECK_FALSE(full_match<integer>("x"));
}

TEST_CASE("strings") {
  using flow::grammar::string;
  CHECK(full_match<string>(R"("")"));
  CHECK(full_match<string>(R"("a \" b")"));
  CHECK(full_match<string>(R"("\u{10FFFF}")"));
  CHECK_FALSE(full_match<string>(R"("\u{1234567}")"));
  CHECK_FALSE(full_match<string>(R"("\q")"));
  CHECK_FALSE(full_match<string>("\"a\nb\""));
  CHECK(full_match<string>("\"\"\"a\nb\"\"\""));
  CHECK(full_match<string>("\"\"\"say \"hi\" \"\" twice\"\"\""));
  CHECK_FALSE(full_match<string>("\"\"\"never closed"));
}

TEST_CASE("the file rule accepts a complete flow and rejects junk") {
  CHECK(full_match<flow::grammar::file>(""));
  CHECK(full_match<flow::grammar::file>(
      "flow f \"d\"\n# c\ninput x: list = [\"a\",]\nagent a < model sonnet >\n"
      "stage s parallel < a over x; run \"t\" > review a retries 1 else ask\n"
      "rule at most 3 calls\n"));
  CHECK_FALSE(full_match<flow::grammar::file>("stage s a\nfoo"));
}

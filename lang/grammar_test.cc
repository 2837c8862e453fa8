// Whole-grammar properties: no rule can loop without consuming input, and the one-shot `file`
// rule agrees with the statement-by-statement parser on what is valid.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include "lang/grammar.h"
#include "lang/parser.h"

namespace pegtl = tao::pegtl;

// `reserved` is a hand-written rule; for analyze() it is a rule that consumes on success.
template <typename Name>
struct tao::pegtl::analyze_traits<Name, flow::grammar::reserved> : pegtl::analyze_any_traits<> {};

namespace {

namespace g = flow::grammar;
// The keyword rules one by one, as `reserved` was written before it read words at once.
using keyword_sor =
    pegtl::sor<g::kw_after, g::kw_agent, g::kw_agents, g::kw_approve, g::kw_as, g::kw_check,
               g::kw_else, g::kw_flow, g::kw_from, g::kw_input, g::kw_over, g::kw_parallel,
               g::kw_retries, g::kw_review, g::kw_rule, g::kw_run, g::kw_sequence, g::kw_stage,
               g::kw_use, g::kw_uses, g::kw_when>;

// How many bytes Rule consumes at the start of text, or -1 when it does not match.
template <typename Rule>
int prefix_match(const std::string& text) {
  pegtl::memory_input in(text, "test");
  if (!pegtl::parse<Rule>(in)) return -1;
  return static_cast<int>(in.current() - text.data());
}

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

TEST_CASE("reserved matches exactly the keyword rules, word by word") {
  std::vector<std::string> words;
  for (std::string_view kw : g::kReservedWords) {
    std::string k(kw);
    for (std::string tail : {"", "x", "-", "_", "2", ".", " ", "\n", "<", "-x", "s", "\"", "#"})
      words.push_back(k + tail);
    words.push_back(k.substr(0, k.size() - 1));
    words.push_back("x" + k);
    std::string upper = k;
    upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
    words.push_back(upper);
  }
  for (const char* other : {"", "a", "-", "_", "ru", "usex", "parallels", "sequences", "é", "as9"})
    words.push_back(other);
  for (const std::string& w : words) {
    INFO(w);
    CHECK(prefix_match<g::reserved>(w) == prefix_match<keyword_sor>(w));
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

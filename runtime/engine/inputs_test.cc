#include "runtime/engine/inputs.h"

#include <catch2/catch.hpp>

using namespace flow;
using namespace flow::rt;

namespace {

ir::Flow flow_with_inputs() {
  ir::Flow f;
  f.inputs.push_back({"feature", "text", std::nullopt, "The feature to build", {}});
  f.inputs.push_back({"domains", "list", std::string(R"(["auth"])"), "", {}});
  f.inputs.push_back({"open-prs", "bool", std::string("false"), "", {}});
  f.inputs.push_back({"max-files", "number", std::string("20"), "", {}});
  return f;
}

}  // namespace

TEST_CASE("inputs are converted to their declared types, defaults filled in") {
  InputsResult r = resolve_inputs(flow_with_inputs(),
                                  {"feature=login", "domains=a, b,c", "open-prs=true", "max-files=3"});
  REQUIRE(r.ok);
  CHECK(r.values[0].second == "login");
  CHECK(r.values[1].second == nlohmann::json::array({"a", "b", "c"}));
  CHECK(r.values[2].second == true);
  CHECK(r.values[3].second == 3);
  r = resolve_inputs(flow_with_inputs(), {"feature=x", R"(domains=["one, two"])"});
  REQUIRE(r.ok);
  CHECK(r.values[1].second == nlohmann::json::array({"one, two"}));
  CHECK(r.values[2].second == false);
}

TEST_CASE("a missing required input says how to pass it") {
  InputsResult r = resolve_inputs(flow_with_inputs(), {});
  CHECK_FALSE(r.ok);
  CHECK(r.error == "missing required input `feature` (text: The feature to build); pass it with "
                   "--input feature=VALUE or --input feature=@FILE");
}

TEST_CASE("unknown and badly typed inputs are refused") {
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "colour=red"}).error ==
        "unknown input `colour`; this flow takes: feature, domains, open-prs, max-files");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "open-prs=yes"}).error ==
        "input `open-prs` is a bool: pass true or false, not \"yes\"");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=many"}).error ==
        "input `max-files` is a number: \"many\" is not one; write a finite decimal number such "
        "as 42, -3.5 or 1e6");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature"}).error ==
        "--input expects NAME=VALUE or NAME=@FILE, got \"feature\"");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=@/nonexistent/file"}).error ==
        "input `feature`: cannot read /nonexistent/file");
}

TEST_CASE("number inputs are finite decimal numbers only") {
  for (const char* ok : {"0", "-7", "3.25", "1e3", "2.5E-2", "007", "-0.5e+2"}) {
    INFO(ok);
    CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", std::string("max-files=") + ok}).ok);
  }
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=1e3"}).values[3].second == 1000);
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=1e3"}).values[3].second.is_number_integer());
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=9007199254740992"})
            .values[3].second.is_number_integer());  // 2^53
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=1e16"}).values[3].second.is_number_float());
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=-0.5e+2"}).values[3].second == -50);
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=3.25"}).values[3].second == 3.25);
  // Beyond 2^53 a double is no longer exact: kept as a double, never an overflowing cast.
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "max-files=1e300"}).values[3].second == 1e300);
  for (const char* bad : {"0x10", "nan", "NaN", "inf", "-inf", "infinity", "1e999", "-1e999",
                          "", " 1", "1 ", "+1", ".5", "5.", "1e", "1e+", "--1", "1,5", "١"}) {
    INFO(bad);
    InputsResult r = resolve_inputs(flow_with_inputs(), {"feature=x", std::string("max-files=") + bad});
    CHECK_FALSE(r.ok);
    CHECK(r.error == "input `max-files` is a number: \"" + std::string(bad) +
                         "\" is not one; write a finite decimal number such as 42, -3.5 or 1e6");
  }
}

TEST_CASE("a list input that starts with a bracket must be a JSON array of strings") {
  const std::string help =
      " starts with `[` but is not a JSON array of strings; write it as '[\"a\",\"b\"]' or as "
      "comma-separated items: a,b";
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "domains=[a"}).error ==
        "input `domains` is a list: \"[a\"" + help);
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "domains=[1,2]"}).error ==
        "input `domains` is a list: \"[1,2]\"" + help);
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", R"(domains= ["a"] x)"}).error ==
        "input `domains` is a list: \" [\"a\"] x\"" + help);
  InputsResult r = resolve_inputs(flow_with_inputs(), {"feature=x", R"(domains= ["a", "b"] )"});
  REQUIRE(r.ok);
  CHECK(r.values[1].second == nlohmann::json::array({"a", "b"}));
  r = resolve_inputs(flow_with_inputs(), {"feature=x", "domains=a,, \tb ,"});  // empty items dropped
  REQUIRE(r.ok);
  CHECK(r.values[1].second == nlohmann::json::array({"a", "b"}));
  r = resolve_inputs(flow_with_inputs(), {"feature=x", "domains=a[1],b"});  // `[` later is text
  REQUIRE(r.ok);
  CHECK(r.values[1].second == nlohmann::json::array({"a[1]", "b"}));
}

TEST_CASE("inputs that are not UTF-8 text are refused with the byte and its offset") {
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=caf\xe9"}).error ==
        "input `feature` is not UTF-8 text: byte 0xE9 at byte offset 3 is not valid UTF-8; "
        "convert it to UTF-8 first, e.g. iconv -f LATIN1 -t UTF-8 FILE > feature.utf8.txt");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=ok", "domains=a,\xff"}).error ==
        "input `domains` is not UTF-8 text: byte 0xFF at byte offset 2 is not valid UTF-8; "
        "convert it to UTF-8 first, e.g. iconv -f LATIN1 -t UTF-8 FILE > domains.utf8.txt");
  CHECK(resolve_inputs(flow_with_inputs(), {std::string("feature=a\0b", 11)}).error ==
        "input `feature` is not text: it has a NUL byte at byte offset 1");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=caf\xc3\xa9 \xe2\x9c\x93"}).ok);
}

TEST_CASE("values quoted in errors are printable and cut short") {
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "open-prs=\x1b]0;t\x07yes"}).error ==
        "input `open-prs` is a bool: pass true or false, not \"yes\"");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=x", "open-prs=" + std::string(100, 'y')}).error ==
        "input `open-prs` is a bool: pass true or false, not \"" + std::string(60, 'y') + "...\"");
}

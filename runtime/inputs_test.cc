#include "runtime/inputs.h"

#include <catch2/catch.hpp>

using namespace flow;
using namespace flow::rt;

namespace {

ir::Flow flow_with_inputs() {
  ir::Flow f;
  f.inputs.push_back({"feature", "text", std::nullopt, "The feature to build", {}});
  f.inputs.push_back({"domains", "list", nlohmann::json::array({"auth"}), "", {}});
  f.inputs.push_back({"open-prs", "bool", false, "", {}});
  f.inputs.push_back({"max-files", "number", 20, "", {}});
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
        "input `max-files` is a number: \"many\" is not one");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature"}).error ==
        "--input expects NAME=VALUE or NAME=@FILE, got \"feature\"");
  CHECK(resolve_inputs(flow_with_inputs(), {"feature=@/nonexistent/file"}).error ==
        "input `feature`: cannot read /nonexistent/file");
}

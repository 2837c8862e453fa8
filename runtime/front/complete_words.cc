#include "runtime/front/complete_words.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "compiler/compile.h"
#include "runtime/store/approvals.h"
#include "runtime/store/runs.h"
#include "runtime/store/run_store.h"

namespace flow::front {
namespace {

namespace fs = std::filesystem;

// A run named on the command line: an id (a name inside the run directory) or `last`.
std::string run_dir_of(const std::string& root, const std::string& run) {
  std::string id = run == "last" ? rt::latest_run(root) : run;
  if (id.empty() || id.find('/') != std::string::npos || id == "." || id == "..") return "";
  return root + "/" + id;
}

void add_inputs(const std::vector<ir::Input>& inputs, CompletionWords* words) {
  for (const ir::Input& in : inputs)
    words->emplace_back(in.name + "=", in.type + (in.description.empty() ? "" : ": " + in.description));
}

// The inputs of the flow `file` as `NAME=`: a .flow file or std/NAME compiled (lowered, not
// checked: a flow with a warning or a broken rule still has its inputs), or IR .json read.
void flow_inputs(const std::string& file, CompletionWords* words) {
  std::error_code ec;
  bool stdlib = file.rfind("std/", 0) == 0 && !fs::exists(file, ec);
  if (!stdlib && !fs::is_regular_file(file, ec)) return;  // `-`, a FIFO, a directory: nothing
  if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0) {
    std::string text;
    if (!read_file(file, &text)) return;
    nlohmann::json ir = nlohmann::json::parse(text, nullptr, false);
    if (!ir.is_object() || !ir.contains("inputs") || !ir["inputs"].is_array()) return;
    for (const nlohmann::json& in : ir["inputs"])
      if (in.is_object() && in.contains("name") && in["name"].is_string())
        words->emplace_back(in["name"].get<std::string>() + "=", in.value("description", ""));
    return;
  }
  CompileOptions options;
  options.search_path = flow_path_from_env();
  options.run_checks = false;
  CompileResult r = compile_file(file, options);
  if (r.flow) add_inputs(r.flow->inputs, words);
}

}  // namespace

bool completion_words(const std::vector<std::string>& args, CompletionWords* words) {
  std::string what = args.empty() ? "" : args[0];
  auto arg = [&](size_t i) { return i < args.size() ? args[i] : std::string(); };
  if (what == "modules") {
    for (std::string& m : stdlib_modules(find_stdlib_dir())) words->emplace_back(std::move(m), "");
  } else if (what == "steps" || what == "waiting") {
    std::string dir = run_dir_of(arg(1), arg(2));
    if (dir.empty()) return true;
    if (what == "steps")
      for (std::string& s : rt::steps_that_ran(dir)) words->emplace_back(std::move(s), "");
    else
      for (const rt::ApprovalRequest& r : rt::pending_requests(dir)) words->emplace_back(r.step, r.question);
  } else if (what == "inputs") {
    flow_inputs(arg(1), words);
  } else {
    return false;
  }
  return true;
}

}  // namespace flow::front

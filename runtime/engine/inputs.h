#pragma once
// Flow inputs given on the command line (`--input name=value`, `name=@file`), checked and
// converted against the IR's declared inputs, defaults filled in.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/ir.h"

namespace flow::rt {

// In the IR's input order; every declared input has a value once resolve_inputs succeeds.
using InputValues = std::vector<std::pair<std::string, nlohmann::json>>;

struct InputsResult {
  bool ok = false;
  InputValues values;
  std::string error;  // user-facing: what is wrong and how to pass it
};

// With `placeholders` (for --dry-run), a missing required input gets a stand-in value
// (text "<name>", false, 0, an empty list) and is named in `missing` instead of failing.
InputsResult resolve_inputs(const ir::Flow& flow, const std::vector<std::string>& args,
                            bool placeholders = false, std::vector<std::string>* missing = nullptr);

const nlohmann::json* find_input(const InputValues& values, const std::string& name);

// How a value reads in a prompt: text as is, lists comma-separated, the rest as JSON.
std::string input_text(const nlohmann::json& value);

}  // namespace flow::rt

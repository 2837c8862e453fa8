#pragma once
// "Did you mean" for a mistyped command or option name, shared by flowc and flow. CLI11 only
// says that a command is required or that an argument was not expected; after it refuses a
// command line, this names the word and the closest command or option.
#include <string>

#include <CLI/CLI.hpp>

namespace flow::cli {

// After app.parse() threw: the message for the first mistyped command or option name among the
// words CLI11 could not place, as "TOOL: error: unknown command `rn`\n  = help: did you mean
// `run`?\n"; "" when no leftover word looks like a name (the caller prints CLI11's message).
std::string mistyped_name_message(const CLI::App& app, const std::string& tool);

}  // namespace flow::cli

#pragma once
// Shell completion scripts for bash, zsh and fish, generated from a CLI11 app definition at
// run time, so that a new command or option completes without anyone editing a script.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flow::cli {

// What a word completes to: nothing special, one of fixed choices, a .flow file (or a
// directory to descend into), any file, or a run id of the default run directory.
enum class ValueKind { None, Choices, FlowFile, AnyFile, RunId };

struct CompletionOption {
  std::vector<std::string> names;  // "--format", "-o"
  std::string help;
  bool takes_value = false;
  ValueKind kind = ValueKind::None;
  std::vector<std::string> choices;
};

struct CompletionCommand {
  std::string name, help;  // the tool itself has name "" here
  std::vector<CompletionOption> options;
  ValueKind positional = ValueKind::None;  // what its first positional argument completes to
  std::vector<std::string> positional_choices;
  bool positional_repeats = false;  // `flowc check A B C`
};

struct CompletionModel {
  std::string tool;
  CompletionCommand top;                  // the tool's own options
  std::vector<CompletionCommand> commands;  // one level of subcommands
};

// Reads the commands and options off `app`. A positional named FILE/file completes .flow
// files, one named run run ids (and `last` when its help mentions it); an option or
// positional whose values are checked by CLI::IsMember completes those values; any other
// option that takes a value completes file names.
CompletionModel completion_model(const CLI::App& app, const std::string& tool);

// For the generators: words joined by `sep`; every spelling of an option that takes a value
// (the word after it is its value, not a command).
std::string join_words(const std::vector<std::string>& words, const char* sep = " ");
std::vector<std::string> value_option_names(const CompletionModel& m);
// The `case` that bash and zsh run on each word `w` before the cursor (the array of words is
// `words_array`): it notes `--run-dir`'s value, skips the values of options, and counts the
// command (`cmd`) and the positional arguments after it (`npos`).
std::string classify_word(const CompletionModel& m, const std::string& words_array);

std::string bash_completion(const CompletionModel& m);
std::string zsh_completion(const CompletionModel& m);
std::string fish_completion(const CompletionModel& m);

// Adds `completion bash|zsh|fish` to `app`; `*shell` receives the name.
CLI::App* add_completion_command(CLI::App& app, const std::string& tool, std::string* shell);

// The script for `shell` ("bash", "zsh" or "fish"), generated from `app`.
std::string completion_script(const CLI::App& app, const std::string& tool, const std::string& shell);

}  // namespace flow::cli

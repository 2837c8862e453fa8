#pragma once
// Shell completion scripts for bash, zsh and fish, generated from a CLI11 app definition at
// run time, so that a new command or option completes without anyone editing a script.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flow::cli {

// What a word completes to: nothing special, one of fixed choices, a .flow file (or a
// directory to descend into, or a standard library flow `std/NAME`), any file, a run id of the
// default run directory; or what only the tool knows, listed by its hidden `__complete`
// command: the steps that ran in the run named before (Step), those that wait for an answer
// (WaitingStep), diagnostic codes (Code), the inputs of the flow named before (InputName,
// offered as `NAME=`).
enum class ValueKind { None, Choices, FlowFile, AnyFile, RunId, Step, WaitingStep, Code, InputName };

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
  ValueKind second = ValueKind::None;  // its second positional (`flow show RUN STEP`)
};

struct CompletionModel {
  std::string tool;
  CompletionCommand top;                  // the tool's own options
  std::vector<CompletionCommand> commands;  // one level of subcommands
};

// Reads the commands and options off `app`. A positional named FILE/file completes .flow
// files and standard library flows, one named run run ids (and `last` when its help mentions
// it), one named CODE diagnostic codes; a second positional named step completes the run's
// steps (the waiting ones when its help says "waiting"); an option or positional whose values
// are checked by CLI::IsMember completes those values, an option of type NAME=VALUE the
// inputs of the flow named first; any other option that takes a value completes file names.
CompletionModel completion_model(const CLI::App& app, const std::string& tool);

// For the generators: words joined by `sep`; every spelling of an option that takes a value
// (the word after it is its value, not a command).
std::string join_words(const std::vector<std::string>& words, const char* sep = " ");
std::vector<std::string> value_option_names(const CompletionModel& m);
// The `case` that bash and zsh run on each word `w` before the cursor (the array of words is
// `words_array`): it notes `--run-dir`'s value, skips the values of options, and counts the
// command (`cmd`) and the positional arguments after it (`npos`), keeping the first (`arg1`:
// the run or the flow that dynamic words are about).
std::string classify_word(const CompletionModel& m, const std::string& words_array);

// The dynamic words come from `TOOL __complete WHAT ARGS...`, a command the scripts call and
// no one types (it is in no --help):
//   modules                 the standard library's flows, std/NAME
//   codes                   diagnostic codes, each with its title (flowc)
//   steps RUN_DIR RUN       the steps that ran in RUN (an id or `last`) (flow)
//   waiting RUN_DIR RUN     the steps RUN waits on for `flow approve` / `flow reject` (flow)
//   inputs FILE             the inputs of the flow FILE (.flow, std/NAME or IR .json), NAME= (flow)
// It prints one word a line, `WORD<TAB>DESCRIPTION` where a description helps, and nothing
// (exit status 0) on anything it cannot read.
std::string bash_completion(const CompletionModel& m);
std::string zsh_completion(const CompletionModel& m);
std::string fish_completion(const CompletionModel& m);

// The lines `TOOL __complete` prints for `words` (each a word and its description, "" for none).
// A word is left out unless it is made of letters, digits and `_-./=:@+,` only: the words come
// from files (a run's ir.json, a directory's names), and a shell must neither split nor expand
// them. A description keeps its first line, printable characters only.
std::string candidate_lines(const std::vector<std::pair<std::string, std::string>>& words);

// Adds `completion bash|zsh|fish` to `app`; `*shell` receives the name.
CLI::App* add_completion_command(CLI::App& app, const std::string& tool, std::string* shell);

// The script for `shell` ("bash", "zsh" or "fish"), generated from `app`.
std::string completion_script(const CLI::App& app, const std::string& tool, const std::string& shell);

}  // namespace flow::cli

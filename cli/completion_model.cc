#include <algorithm>
#include <cctype>
#include <cstring>

#include "cli/completion.h"

namespace flow::cli {
namespace {

// CLI11 shows the values CLI::IsMember admits in the type name: "TEXT:{auto,always,never}".
std::vector<std::string> choices_of(const CLI::Option& o) {
  std::string type = o.get_type_name();
  size_t open = type.find('{'), close = type.rfind('}');
  std::vector<std::string> choices;
  if (open == std::string::npos || close == std::string::npos || close < open) return choices;
  std::string item;
  for (char c : type.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      choices.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  choices.push_back(item);
  return choices;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

CompletionOption option_of(const CLI::Option& o) {
  CompletionOption c;
  for (const std::string& n : o.get_lnames()) c.names.push_back("--" + n);
  for (const std::string& n : o.get_snames()) c.names.push_back("-" + n);
  c.help = o.get_description();
  c.takes_value = o.get_expected_min() > 0;  // a flag expects no value
  c.choices = choices_of(o);
  c.kind = !c.takes_value                     ? ValueKind::None
           : !c.choices.empty()              ? ValueKind::Choices
           : o.get_type_name() == "NAME=VALUE" ? ValueKind::InputName
                                             : ValueKind::AnyFile;
  return c;
}

// What the first positional completes to, by its name (FILE, run, CODE).
void first_positional(const CLI::Option& o, CompletionCommand& cmd) {
  std::string name = lower(o.get_name());
  cmd.positional_choices = choices_of(o);
  if (!cmd.positional_choices.empty()) {
    cmd.positional = ValueKind::Choices;
  } else if (name == "file") {
    cmd.positional = ValueKind::FlowFile;
  } else if (name == "run") {
    cmd.positional = ValueKind::RunId;
    if (o.get_description().find("`last`") != std::string::npos)
      cmd.positional_choices.push_back("last");
  } else if (name == "code") {
    cmd.positional = ValueKind::Code;
  }
  cmd.positional_repeats = o.get_items_expected_max() > 1;
}

CompletionCommand command_of(const CLI::App& app) {
  CompletionCommand cmd;
  cmd.name = app.get_parent() ? app.get_name() : "";
  cmd.help = app.get_description();
  int positionals = 0;
  for (const CLI::Option* o : app.get_options()) {
    if (!o->get_positional()) {
      cmd.options.push_back(option_of(*o));
      continue;
    }
    if (++positionals == 1) {
      first_positional(*o, cmd);
    } else if (positionals == 2 && cmd.positional == ValueKind::RunId && lower(o->get_name()) == "step") {
      // A step of the run just named: any that ran, or one that waits for an answer.
      bool waiting = o->get_description().find("waiting") != std::string::npos;
      cmd.second = waiting ? ValueKind::WaitingStep : ValueKind::Step;
    }
  }
  return cmd;
}

}  // namespace

CompletionModel completion_model(const CLI::App& app, const std::string& tool) {
  CompletionModel m;
  m.tool = tool;
  m.top = command_of(app);
  for (const CLI::App* sub : app.get_subcommands({})) m.commands.push_back(command_of(*sub));
  return m;
}

std::string join_words(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

std::string classify_word(const CompletionModel& m, const std::string& words_array) {
  std::vector<std::string> names = value_option_names(m);
  std::string value_pattern = names.empty() ? "--" : join_words(names, "|");
  return "    case $w in\n"
         "      --run-dir) run_dir=${" + words_array + "[i+1]}; ((i++)) ;;\n"
         "      " + value_pattern + ") ((i++)) ;;\n"
         "      -*) ;;\n"
         "      *) if [[ -z $cmd ]]; then cmd=$w; else ((npos++)); [[ -n $arg1 ]] || arg1=$w; fi ;;\n"
         "    esac\n";
}

std::vector<std::string> value_option_names(const CompletionModel& m) {
  std::vector<std::string> names;
  auto add = [&](const CompletionCommand& c) {
    for (const CompletionOption& o : c.options)
      if (o.takes_value)
        for (const std::string& n : o.names)
          if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  add(m.top);
  for (const CompletionCommand& c : m.commands) add(c);
  return names;
}

std::string candidate_lines(const std::vector<std::pair<std::string, std::string>>& words) {
  auto safe = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || (c != '\0' && std::strchr("_-./=:@+,", c) != nullptr);
  };
  std::string out;
  for (const auto& [word, description] : words) {
    if (word.empty() || !std::all_of(word.begin(), word.end(), safe)) continue;
    out += word;
    std::string shown;
    for (char c : description.substr(0, description.find('\n')))
      if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) shown += c;
    if (!shown.empty()) out += "\t" + shown;
    out += "\n";
  }
  return out;
}

CLI::App* add_completion_command(CLI::App& app, const std::string& tool, std::string* shell) {
  CLI::App* cmd = app.add_subcommand(
      "completion", "Print a shell completion script: source <(" + tool + " completion bash)");
  cmd->add_option("SHELL", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  return cmd;
}

std::string completion_script(const CLI::App& app, const std::string& tool,
                              const std::string& shell) {
  CompletionModel m = completion_model(app, tool);
  if (shell == "zsh") return zsh_completion(m);
  if (shell == "fish") return fish_completion(m);
  return bash_completion(m);
}

}  // namespace flow::cli

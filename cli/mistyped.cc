#include "cli/mistyped.h"

#include <string_view>
#include <vector>

#include "lang/suggest.h"

namespace flow::cli {
namespace {

// The command the line got to: the innermost subcommand CLI11 recognised.
const CLI::App* innermost_command(const CLI::App& app) {
  const CLI::App* at = &app;
  for (;;) {
    std::vector<const CLI::App*> parsed =
        at->get_subcommands([](const CLI::App* s) { return s->parsed(); });
    if (parsed.empty()) return at;
    at = parsed.front();
  }
}

// Every spelling of an option of `app` and of the commands around it (their options may follow
// a subcommand when it falls through): "--format", "-o".
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app; app = app->get_parent())
    for (const CLI::Option* o : app->get_options()) {
      for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
      for (const std::string& n : o->get_snames()) names.push_back("-" + n);
    }
  return names;
}

std::vector<std::string> command_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string all;
  for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
  return all;
}

std::string message(const std::string& tool, const char* what, const std::string& word,
                    const std::vector<std::string>& names, const std::string& otherwise) {
  std::vector<std::string_view> views(names.begin(), names.end());
  std::string close = closest_name(word, views);
  std::string help = close.empty() ? otherwise : "did you mean `" + close + "`?";
  return tool + ": error: unknown " + what + " `" + word + "`\n  = help: " + help + "\n";
}

}  // namespace

std::string mistyped_name_message(const CLI::App& app, const std::string& tool) {
  const CLI::App* at = innermost_command(app);
  for (const std::string& word : app.remaining(true)) {
    if (word.size() > 1 && word[0] == '-') {
      std::string name = word.substr(0, word.find('='));  // --fomat=json
      if (name == "--" || (name.size() > 2 && name[1] != '-')) continue;  // -abc: packed flags
      // Any one-letter option is one edit from any other: suggest only for long names.
      std::vector<std::string> names = name.size() > 2 ? option_names(at) : std::vector<std::string>{};
      return message(tool, "option", name, names,
                     "`" + tool + (at == &app ? "" : " " + at->get_name()) +
                         " --help` lists the options");
    }
    std::vector<std::string> commands = command_names(at);
    if (!commands.empty())
      return message(tool, "command", word, commands, "the commands are " + joined(commands));
    return "";  // a stray argument of a command without subcommands: CLI11's message says it
  }
  return "";
}

}  // namespace flow::cli

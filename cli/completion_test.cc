#include "cli/completion.h"

#include <catch2/catch.hpp>

namespace {

using flow::cli::ValueKind;

// A small app shaped like flowc and flow: global options, a command taking files, one taking a
// run id, choices on options and on a positional.
struct Demo {
  CLI::App app{"demo", "demo"};
  std::string color, format, out, run, shell;
  std::vector<std::string> files;
  bool werror = false;
  Demo() {
    app.add_option("--color", color)->check(CLI::IsMember({"auto", "always", "never"}));
    CLI::App* check = app.add_subcommand("check", "Check it");
    check->add_option("FILE", files)->required();
    check->add_option("--format", format)->check(CLI::IsMember({"human", "json"}));
    check->add_flag("--werror", werror);
    check->add_option("-o,--output", out);
    CLI::App* show = app.add_subcommand("show", "Show a run");
    show->add_option("run", run, "Run id, or `last`");
    flow::cli::add_completion_command(app, "demo", &shell);
  }
};

const flow::cli::CompletionCommand& command(const flow::cli::CompletionModel& m,
                                            const std::string& name) {
  for (const auto& c : m.commands)
    if (c.name == name) return c;
  FAIL("no command " << name);
  return m.top;
}

}  // namespace

TEST_CASE("the model is read off the app: commands, options, choices, what positionals take") {
  Demo d;
  flow::cli::CompletionModel m = flow::cli::completion_model(d.app, "demo");
  REQUIRE(m.commands.size() == 3);
  const auto& check = command(m, "check");
  CHECK(check.positional == ValueKind::FlowFile);
  CHECK(check.positional_repeats);
  bool saw_format = false, saw_werror = false, saw_output = false;
  for (const auto& o : check.options) {
    if (o.names.front() == "--format") {
      saw_format = true;
      CHECK(o.takes_value);
      CHECK(o.kind == ValueKind::Choices);
      CHECK(o.choices == std::vector<std::string>{"human", "json"});
    }
    if (o.names.front() == "--werror") saw_werror = !o.takes_value;
    if (o.names.front() == "--output") {
      saw_output = o.kind == ValueKind::AnyFile;
      CHECK(o.names == std::vector<std::string>{"--output", "-o"});
    }
  }
  CHECK(saw_format);
  CHECK(saw_werror);
  CHECK(saw_output);
  const auto& show = command(m, "show");
  CHECK(show.positional == ValueKind::RunId);
  CHECK(show.positional_choices == std::vector<std::string>{"last"});
  CHECK_FALSE(show.positional_repeats);
  const auto& completion = command(m, "completion");
  CHECK(completion.positional == ValueKind::Choices);
  CHECK(completion.positional_choices == std::vector<std::string>{"bash", "zsh", "fish"});
  CHECK(flow::cli::value_option_names(m) == std::vector<std::string>{"--color", "--format",
                                                                       "--output", "-o"});
}

TEST_CASE("each script names every command and registers itself with its shell") {
  Demo d;
  std::string bash = flow::cli::completion_script(d.app, "demo", "bash");
  std::string zsh = flow::cli::completion_script(d.app, "demo", "zsh");
  std::string fish = flow::cli::completion_script(d.app, "demo", "fish");
  for (const std::string* s : {&bash, &zsh, &fish})
    for (const char* word : {"check", "show", "completion", "format", "human", "werror"})
      CHECK_THAT(*s, Catch::Contains(word));
  CHECK(bash.find("complete -F _demo_complete demo\n") != std::string::npos);
  CHECK(zsh.rfind("#compdef demo\n", 0) == 0);
  CHECK(zsh.find("compdef _demo demo") != std::string::npos);
  CHECK(fish.find("complete -c demo -n __fish_use_subcommand -a show -d 'Show a run'") !=
        std::string::npos);
}

TEST_CASE("a help text with quotes stays one word in fish and zsh") {
  CLI::App app{"q", "q"};
  app.add_subcommand("it's", "Say 'hi' \\ there");
  CHECK(flow::cli::completion_script(app, "q", "fish").find("-d 'Say \\'hi\\' \\\\ there'") !=
        std::string::npos);
  CHECK(flow::cli::completion_script(app, "q", "zsh").find("'it'\\''s  -- Say '\\''hi'\\''") !=
        std::string::npos);
}

TEST_CASE("the words only the tool knows: a run's steps, codes, a flow's inputs") {
  CLI::App app{"t", "t"};
  std::string run, step, code, input, shell;
  CLI::App* show = app.add_subcommand("show", "Show");
  show->add_option("run", run, "Run id, or `last`");
  show->add_option("step", step, "A step of it");
  CLI::App* approve = app.add_subcommand("approve", "Approve");
  approve->add_option("run", run, "Run id");
  approve->add_option("step", step, "The waiting step");
  CLI::App* explain = app.add_subcommand("explain", "Explain");
  explain->add_option("CODE", code, "the code");
  CLI::App* go = app.add_subcommand("go", "Go");
  go->add_option("file", run, "the flow");
  go->add_option("step", step, "not after a run: nothing");
  go->add_option("-i,--input", input, "an input")->type_name("NAME=VALUE");
  flow::cli::CompletionModel m = flow::cli::completion_model(app, "t");
  CHECK(command(m, "show").second == ValueKind::Step);
  CHECK(command(m, "approve").second == ValueKind::WaitingStep);
  CHECK(command(m, "explain").positional == ValueKind::Code);
  CHECK(command(m, "go").positional == ValueKind::FlowFile);
  CHECK(command(m, "go").second == ValueKind::None);
  REQUIRE(command(m, "go").options.size() == 2);  // --help, --input
  CHECK(command(m, "go").options[1].kind == ValueKind::InputName);
  // Each shell asks `t __complete` for them.
  std::string bash = flow::cli::completion_script(app, "t", "bash");
  std::string zsh = flow::cli::completion_script(app, "t", "zsh");
  std::string fish = flow::cli::completion_script(app, "t", "fish");
  CHECK_THAT(bash, Catch::Contains("_t_offer steps \"$run_dir\" \"$arg1\""));
  CHECK_THAT(bash, Catch::Contains("_t_offer waiting \"$run_dir\" \"$arg1\""));
  CHECK_THAT(bash, Catch::Contains("compopt -o nospace 2>/dev/null; _t_offer inputs \"$arg1\""));
  CHECK_THAT(zsh, Catch::Contains("_t_offer -S '' -- inputs \"$arg1\""));
  CHECK_THAT(zsh, Catch::Contains("_t_offer -- codes"));
  CHECK_THAT(fish, Catch::Contains("(__t_offer steps (__t_args))"));
  CHECK_THAT(fish, Catch::Contains("(__t_offer modules)"));
}

TEST_CASE("__complete prints only words a shell takes as they are") {
  CHECK(flow::cli::candidate_lines({{"E0101", "undefined agent"}, {"std/backend", ""}, {"topic=", "text"}}) ==
        "E0101\tundefined agent\nstd/backend\ntopic=\ttext\n");
  // Shell syntax, white space, control characters, non-ASCII: left out, not quoted.
  CHECK(flow::cli::candidate_lines({{"$(touch x)", ""}, {"a b", ""}, {"`id`", ""}, {"a\tb", ""},
                                    {"~root", ""}, {"x;y", ""}, {"caf\xc3\xa9", ""}, {"", "empty"},
                                    {std::string("nu\0l", 4), ""}}) == "");
  // A description keeps its first line, without control characters.
  CHECK(flow::cli::candidate_lines({{"w", "line one\x1b[2J\nline two"}}) == "w\tline one[2J\n");
}

#include "cli/mistyped.h"

#include <catch2/catch.hpp>

namespace {

// The message after parsing `words` with an app like flow's; "" when it parses.
std::string typo(std::vector<std::string> words) {
  CLI::App app{"demo", "demo"};
  app.require_subcommand(1);
  app.fallthrough();
  std::string color, file;
  bool dry = false;
  app.add_option("--color", color);
  CLI::App* run = app.add_subcommand("run", "Run");
  run->add_option("file", file)->required();
  run->add_flag("--dry-run", dry);
  app.add_subcommand("runs", "List");
  std::vector<std::string> argv = {"demo"};
  argv.insert(argv.end(), words.begin(), words.end());
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError&) {
    return flow::cli::mistyped_name_message(app, "demo");
  }
  return "parsed";
}

}  // namespace

TEST_CASE("a mistyped command or option is named with the closest one") {
  CHECK(typo({"rn", "x.flow"}) == "demo: error: unknown command `rn`\n  = help: did you mean `run`?\n");
  CHECK(typo({"--color", "never", "rnus"}) ==
        "demo: error: unknown command `rnus`\n  = help: did you mean `runs`?\n");
  CHECK(typo({"run", "--dryrun", "x.flow"}) ==
        "demo: error: unknown option `--dryrun`\n  = help: did you mean `--dry-run`?\n");
  CHECK(typo({"run", "--colour=never", "x.flow"}) ==
        "demo: error: unknown option `--colour`\n  = help: did you mean `--color`?\n");
}

TEST_CASE("a word close to nothing lists the commands or names --help") {
  CHECK(typo({"zzzz"}) == "demo: error: unknown command `zzzz`\n  = help: the commands are run, runs\n");
  CHECK(typo({"run", "--zzzzzz", "x"}) ==
        "demo: error: unknown option `--zzzzzz`\n  = help: `demo run --help` lists the options\n");
  CHECK(typo({"-z", "runs"}) ==
        "demo: error: unknown option `-z`\n  = help: `demo runs --help` lists the options\n");
}

TEST_CASE("other usage errors are left to CLI11") {
  CHECK(typo({"run", "x.flow"}) == "parsed");
  CHECK(typo({"run"}).empty());               // a missing argument
  CHECK(typo({}).empty());                    // no command
  CHECK(typo({"run", "a.flow", "b.flow"}).empty());  // a stray argument of a leaf command
}

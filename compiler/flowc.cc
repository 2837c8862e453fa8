// flowc: the command-line front end for .flow files. `flowc check FILE...` reads and parses
// each file and prints what is wrong with it.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lang/diagnostic.h"
#include "lang/parser.h"
#include "lang/source.h"

#ifndef FLOW_VERSION
#define FLOW_VERSION "unknown"
#endif

namespace {

constexpr int kExitClean = 0;
constexpr int kExitErrors = 1;
constexpr int kExitUsage = 2;  // bad arguments or unreadable input

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  every file is clean (nothing is printed)\n"
    "  1  errors were found (printed to stderr)\n"
    "  2  usage error, or a file could not be read";

// https://no-color.org: any non-empty NO_COLOR turns colour off.
bool use_color() {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(STDERR_FILENO) && !(no_color && *no_color);
}

// The checks that need more than the syntax of one file (names, imports, rules) plug in here;
// until then a file that parses is clean.
std::vector<flow::Diagnostic> semantic_checks(const flow::SourceMap& sources,
                                              const flow::ParseResult& parsed) {
  (void)sources;
  (void)parsed;
  return {};
}

// Checks one file; prints its diagnostics; returns its exit status.
int check_file(const std::string& path, bool color) {
  flow::SourceMap sources;
  uint32_t id = 0;
  std::string error;
  if (!flow::read_source(sources, path, id, error)) {
    std::cerr << "flowc: error: " << error << "\n";
    return kExitUsage;
  }
  flow::ParseResult parsed = flow::parse(sources, id);
  std::vector<flow::Diagnostic> diagnostics = std::move(parsed.diagnostics);
  if (!flow::has_errors(diagnostics)) diagnostics = semantic_checks(sources, parsed);
  for (const flow::Diagnostic& d : diagnostics) std::cerr << flow::render_human(d, sources, color);
  return flow::has_errors(diagnostics) ? kExitErrors : kExitClean;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flowc - check and compile .flow pipelines of AI agents", "flowc"};
  app.set_version_flag("--version", std::string("flowc ") + FLOW_VERSION);
  app.require_subcommand(1);
  app.footer(std::string("Run `flowc COMMAND --help` for a command's options.\n\n") + kExitCodes);

  std::vector<std::string> files;
  CLI::App* check = app.add_subcommand(
      "check", "Parse each FILE and report its errors on stderr; print nothing when clean");
  check->add_option("FILE", files, "the .flow files to check")->required();
  check->footer(kExitCodes);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);  // prints help, the version, or the usage error
    return status == 0 ? kExitClean : kExitUsage;
  }

  bool color = use_color();
  int status = kExitClean;
  for (const std::string& f : files) status = std::max(status, check_file(f, color));
  return status;
}

// flowc: the command-line front end for .flow files.
//   flowc [--color auto|always|never] [-q] COMMAND ...
//   flowc check FILE|DIR|-... [--format human|json|sarif|github] [--werror] [--stats]
//   flowc compile FILE|- [-o OUT.json]
//   flowc graph FILE [--format dot|mermaid] [-o OUT]
//   flowc explain CODE
//   flowc fmt FILE|DIR|-... [--check | --diff]
//   flowc completion bash|zsh|fish
//   flowc lsp            (a Language Server Protocol server on stdin/stdout)
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/completion.h"
#include "cli/mistyped.h"
#include "compiler/compile.h"
#include "compiler/diagnostic_registry.h"
#include "compiler/emit.h"
#include "compiler/flowc_complete.h"
#include "compiler/flowc_fmt.h"
#include "compiler/flowc_paths.h"
#include "compiler/graph.h"
#include "ir/ir_json.h"
#include "compiler/lsp/server.h"
#include "compiler/pipeline.h"
#include "compiler/stats.h"
#include "lang/color.h"
#include "lang/diagnostic.h"
#include "lang/text.h"

#ifndef FLOW_VERSION
#define FLOW_VERSION "unknown"
#endif

namespace {

constexpr int kExitClean = 0;
constexpr int kExitErrors = 1;
constexpr int kExitUsage = 2;  // bad arguments, unreadable input, unwritable output

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  clean (warnings allowed, unless --werror)\n"
    "  1  errors were found (or warnings, with --werror)\n"
    "  2  usage error, or a file could not be read or written";
// For the commands without --werror: their help must not mention an option they lack.
constexpr const char* kExitCodesNoWerror =
    "Exit status:\n"
    "  0  clean (warnings allowed)\n"
    "  1  errors were found\n"
    "  2  usage error, or a file could not be read or written";
constexpr const char* kFmtExitCodes =
    "Exit status:\n"
    "  0  every file is formatted (with --check: none would change)\n"
    "  1  with --check: a file would change (its diff is printed)\n"
    "  2  usage error, a file could not be read or written, or a file has a syntax error\n"
    "     (such a file is left unchanged)";
constexpr const char* kExplainExitCodes =
    "Exit status:\n"
    "  0  the code was explained\n"
    "  2  usage error, or no diagnostic has that code";

// Set once from the command line, before any command runs.
flow::ColorMode color_mode = flow::ColorMode::Auto;
bool quiet = false;  // -q: errors only

flow::CompileOptions options() {
  flow::CompileOptions o;
  o.search_path = flow::flow_path_from_env();
  return o;
}

void print_human(const flow::CompileResult& r) {
  bool color = flow::use_color(color_mode, STDERR_FILENO);
  for (const flow::Diagnostic& d : r.diagnostics)
    if (!quiet || d.severity == flow::Severity::Error)
      std::cerr << flow::render_human(d, r.sources, color);
}

int status_of(const flow::CompileResult& r, bool werror) {
  if (r.io_error) return kExitUsage;
  if (flow::has_errors(r.diagnostics)) return kExitErrors;
  bool warnings = std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [](const auto& d) {
    return d.severity == flow::Severity::Warning;
  });
  return werror && warnings ? kExitErrors : kExitClean;
}

std::string stats_text(const std::string& path, const flow::ir::Flow& f) {
  flow::CallStats s = flow::worst_case_calls(f);
  auto count = [](size_t n, const char* what) { return flow::text::plural(n, what); };
  std::string out = fmt::format("{}: {}: {}, {}, {}, {}\n", path, count(s.nodes, "node"),
                                count(s.agent_steps, "agent step"), count(s.commands, "command"),
                                count(s.approvals, "approval"), count(s.gates, "gate"));
  if (s.unbounded)
    out += fmt::format("{}: worst case: unbounded (step `{}` fans out over an input with no "
                       "default list)\n",
                       path, s.unbounded_steps.front());
  else
    out += fmt::format("{}: worst case: {}{} agent calls\n", path,
                       s.calls == flow::CallStats::kCap ? "at least " : "", s.calls);
  return out;
}

bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return static_cast<bool>(std::cout.flush());
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << fmt::format("flowc: error: cannot write '{}'\n", path);
    return false;
  }
  return true;
}

int run_check(const std::vector<std::string>& args, const std::string& format, bool werror,
              bool stats) {
  std::vector<std::string> files;
  if (std::string error; !flow::expand_flow_paths(args, &files, &error)) {
    std::cerr << "flowc: error: " << error << "\n";
    return kExitUsage;
  }
  // Deliberately never freed: tearing down the trees of a 100k-step flow takes longer than
  // the process has left to live (the same reason compilers skip freeing at exit). Static
  // pointers keep them reachable until exit, which is the truth, so LeakSanitizer does not
  // report them as lost (run_check runs once per process).
  static auto* const kept_results = new std::vector<flow::CompileResult>;
  static auto* const kept_lowered = new std::vector<std::optional<flow::ir::Flow>>(files.size());
  auto& results = *kept_results;
  auto& lowered = *kept_lowered;
  results.reserve(files.size());
  int status = kExitClean;
  std::string stats_out;
  flow::CompileOptions keep = options();
  keep.keep_trees = true;
  for (size_t i = 0; i < files.size(); ++i) {
    results.push_back(flow::compile_file_with_ir(files[i], keep, lowered[i]));
    const flow::CompileResult& r = results.back();
    if (r.io_error) std::cerr << "flowc: error: " << r.io_message << "\n";
    if (format == "human") print_human(r);
    const flow::ir::Flow* ir = r.flow ? &*r.flow : lowered[i] ? &*lowered[i] : nullptr;
    if (stats && ir) stats_out += stats_text(files[i], *ir);
    status = std::max(status, status_of(r, werror));
  }
  std::vector<flow::Report> reports;
  for (const flow::CompileResult& r : results) reports.push_back({&r.sources, &r.diagnostics});
  if (format == "json") std::cout << flow::emit_json(reports);
  if (format == "sarif") std::cout << flow::emit_sarif(reports, FLOW_VERSION);
  if (format == "github") std::cout << flow::emit_github(reports);
  // Machine-readable formats own stdout; the statistics then go to stderr.
  (format == "human" ? std::cout : std::cerr) << stats_out;
  return status;
}

int run_compile(const std::string& file, const std::string& out_path) {
  flow::CompileResult r = flow::compile_file(file, options());
  if (r.io_error) std::cerr << "flowc: error: " << r.io_message << "\n";
  print_human(r);
  int status = status_of(r, false);
  if (status != kExitClean || !r.flow) return status == kExitClean ? kExitErrors : status;
  return write_output(out_path, flow::ir::to_json_text(*r.flow)) ? kExitClean : kExitUsage;
}

int run_graph(const std::string& file, const std::string& format, const std::string& out_path) {
  std::optional<flow::ir::Flow> lowered;
  flow::CompileResult r = flow::compile_file_with_ir(file, options(), lowered);
  if (r.io_error) std::cerr << "flowc: error: " << r.io_message << "\n";
  print_human(r);
  int status = status_of(r, false);
  const flow::ir::Flow* ir = r.flow ? &*r.flow : lowered ? &*lowered : nullptr;
  if (!ir) return status == kExitClean ? kExitErrors : status;
  // A flow with errors is still drawn (it helps to see a cycle), but the exit says it failed.
  std::string text = format == "mermaid" ? flow::graph_mermaid(*ir) : flow::graph_dot(*ir);
  return write_output(out_path, text) ? status : kExitUsage;
}

int run_explain(std::string code) {
  std::transform(code.begin(), code.end(), code.begin(), ::toupper);
  const flow::DiagnosticKind* k = flow::find_diagnostic_kind(code);
  if (!k) {
    std::cerr << fmt::format("flowc: error: no diagnostic has the code `{}`\n", code)
              << "  = help: docs/diagnostics.md lists every code\n";
    return kExitUsage;
  }
  std::cout << fmt::format("{} ({}): {}\n\n{}\n", k->code, flow::severity_name(k->severity),
                           k->title, k->explanation);
  return kExitClean;
}

int flowc_main(int argc, char** argv) {
  CLI::App app{"flowc - check, compile, draw and format .flow pipelines of AI agents", "flowc"};
  app.set_version_flag("--version", std::string("flowc ") + FLOW_VERSION);
  app.require_subcommand(1);
  // Global options may also follow the command (`flowc check --color never x.flow`).
  app.fallthrough();
  std::string color = "auto";
  app.add_option("--color", color,
                 "colour the messages: auto (default: on a terminal, unless NO_COLOR is set; "
                 "FORCE_COLOR forces it), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_flag("-q,--quiet", quiet, "print errors only, no warnings");
  app.footer(std::string("Run `flowc COMMAND --help` for a command's options.\n"
                         "FLOW_PATH (colon-separated) is searched for `use` modules; "
                         "FLOW_STDLIB overrides where the standard library is.\n\n") +
             kExitCodes);

  std::vector<std::string> files;
  std::string format = "human", out_path, code;
  bool werror = false, stats = false;

  CLI::App* check = app.add_subcommand(
      "check", "Check each FILE and report its errors and warnings; print nothing when clean");
  check->add_option("FILE", files,
                    "the .flow files to check: a directory checks every .flow file under it, "
                    "`-` reads standard input")
      ->required();
  check->add_option("--format", format, "human (default; on stderr), json, sarif or github (on stdout)")
      ->check(CLI::IsMember({"human", "json", "sarif", "github"}));
  check->add_flag("--werror", werror, "treat warnings as errors (exit 1)");
  check->add_flag("--stats", stats, "print node counts and the worst-case number of agent calls");
  check->footer(std::string("Silence a warning with a comment `# flowc: allow CODE` on its line, or\n"
                            "`# flowc: allow-file CODE` anywhere in the file; `flowc explain CODE`\n"
                            "says what a code means. docs/diagnostics.md lists them all.\n\n") +
                kExitCodes);

  std::string file;
  CLI::App* compile = app.add_subcommand(
      "compile", "Check FILE and write its IR as versioned JSON (docs/ir.md)");
  compile->add_option("FILE", file, "the .flow file (`-` reads standard input)")->required();
  compile->add_option("-o,--output", out_path, "where to write the JSON (default: stdout)");
  compile->footer(kExitCodesNoWerror);

  std::string graph_format = "dot";
  CLI::App* graph = app.add_subcommand(
      "graph", "Draw FILE's dependency graph: stages as clusters, gates and rework edges marked");
  graph->add_option("FILE", file, "the .flow file (`-` reads standard input)")->required();
  graph->add_option("--format", graph_format, "dot (default) or mermaid")
      ->check(CLI::IsMember({"dot", "mermaid"}));
  graph->add_option("-o,--output", out_path, "where to write it (default: stdout)");
  graph->footer(std::string("Example: flowc graph pipeline.flow | dot -Tsvg > pipeline.svg\n\n") +
                kExitCodesNoWerror);

  CLI::App* explain =
      app.add_subcommand("explain", "Explain a diagnostic code, such as E0101 or W0100");
  explain->add_option("CODE", code, "the code")->required();
  explain->footer(kExplainExitCodes);

  flow::FmtOptions fmt_options;
  CLI::App* fmt_command = app.add_subcommand(
      "fmt", "Rewrite each FILE in the one layout of .flow files (docs/language.md, \"Layout\")");
  fmt_command
      ->add_option("FILE", files,
                   "the .flow files to format in place: a directory formats every .flow file "
                   "under it, `-` reads standard input and writes standard output")
      ->required();
  CLI::Option* fmt_check = fmt_command->add_flag(
      "--check", fmt_options.check,
      "write nothing; print a unified diff of each file that would change, and exit 1 if any");
  fmt_command
      ->add_flag("--diff", fmt_options.diff,
                 "write nothing; print a unified diff of each file that would change")
      ->excludes(fmt_check);
  fmt_command->footer(std::string("Comments and \"\"\" strings are kept as written; line breaks "
                                  "stay where they are.\n"
                                  "A file with a syntax error is not changed.\n\n") +
                      kFmtExitCodes);

  CLI::App* lsp = app.add_subcommand(
      "lsp", "Serve the Language Server Protocol on stdin and stdout, for editors");
  lsp->footer("Diagnostics as you type, hover, go to definition, references, completion,\n"
              "document symbols and rename; docs/editors.md says how to set up an editor.\n"
              "Logs go to stderr.\n\n"
              "Exit status:\n"
              "  0  the client sent `shutdown`, then `exit`\n"
              "  1  the input ended, or `exit` came without `shutdown`");

  std::string shell;
  CLI::App* completion = flow::cli::add_completion_command(app, "flowc", &shell);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A mistyped command or option gets "did you mean"; anything else CLI11's own message.
    if (std::string typo = flow::cli::mistyped_name_message(app, "flowc"); !typo.empty()) {
      std::cerr << typo;
      return kExitUsage;
    }
    int status = app.exit(e);  // prints help, the version, or the usage error
    return status == 0 ? kExitClean : kExitUsage;
  }

  color_mode = *flow::parse_color_mode(color);  // IsMember above admits only the three

  // The front end reports problems as diagnostics; an exception here is a bug or something
  // outside the flow (a file name that is not UTF-8 cannot go into JSON). Say so, do not abort.
  try {
    if (check->parsed()) return run_check(files, format, werror, stats);
    if (compile->parsed()) return run_compile(file, out_path);
    if (graph->parsed()) return run_graph(file, graph_format, out_path);
    if (explain->parsed()) return run_explain(code);
    if (lsp->parsed()) return flow::lsp::run_server(stdin, stdout, stderr, options(), FLOW_VERSION);
    if (fmt_command->parsed()) return flow::run_fmt(files, fmt_options);
    if (completion->parsed()) {
      std::cout << flow::cli::completion_script(app, "flowc", shell);
      return kExitClean;
    }
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "flowc: error: cannot write JSON: a file name or text is not UTF-8 (" << e.what()
              << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "flowc: error: " << e.what() << "\n";
  }
  return kExitUsage;
}

}  // namespace

// Last resort: nothing escapes main, not even what the handlers above do not name.
int main(int argc, char** argv) {
  try {
    // The completion scripts' helper (cli/completion.h), before CLI11: it must print words or
    // nothing, never a usage message, whatever follows it.
    if (argc >= 2 && std::string(argv[1]) == "__complete")
      return flow::flowc_complete(std::vector<std::string>(argv + 2, argv + argc));  // never throws
    return flowc_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "flowc: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "flowc: internal error: unknown exception\n";
  }
  return kExitUsage;
}

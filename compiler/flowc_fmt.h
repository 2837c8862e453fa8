#pragma once
// `flowc fmt`: rewrites .flow files in the layout of docs/language.md ("Layout").
#include <string>
#include <vector>

namespace flow {

struct FmtOptions {
  bool check = false;  // write nothing; print a diff of each file that would change; exit 1 then
  bool diff = false;   // write nothing; print a diff of each file that would change
};

// Formats each of `args` (files, directories: every .flow under them, `-`: standard input to
// standard output). Prints its messages and diffs; returns flowc's exit status: 0 done (or,
// with --check, nothing to change), 1 a file would change (--check), 2 usage, read or write
// errors and files with syntax errors, which are left as they are.
int run_fmt(const std::vector<std::string>& args, const FmtOptions& options);

}  // namespace flow

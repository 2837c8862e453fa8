#pragma once
// `flowc __complete WHAT`: the words flowc's completion scripts offer beyond the fixed ones
// (cli/completion.h lists the protocol). A command no one types: it is in no --help.
#include <string>
#include <vector>

namespace flow {

// WHAT `codes` (every diagnostic code with its title) or `modules` (the standard library's
// flows). Prints to stdout, nothing on stderr. Returns 0, or 2 for another WHAT.
int flowc_complete(const std::vector<std::string>& args);

}  // namespace flow

#pragma once
// The .flow files a flowc command line names.
#include <string>
#include <vector>

namespace flow {

// Each argument as given (`-` is standard input, std/NAME the standard library's flow), except
// a directory: every .flow file under it, in sorted order, hidden directories (.git, the
// .flow run store) left out. False, with `error` set, when a directory holds no .flow file or
// cannot be read, or when `-` is named twice.
bool expand_flow_paths(const std::vector<std::string>& args, std::vector<std::string>* files,
                       std::string* error);

}  // namespace flow

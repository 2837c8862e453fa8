#include "compiler/flowc_paths.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace flow {
namespace fs = std::filesystem;

namespace {

bool flow_files_under(const std::string& dir, std::vector<std::string>* files,
                      std::string* error) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      if (p.filename().string().rfind('.', 0) == 0) it.disable_recursion_pending();
      continue;
    }
    if (p.extension() != ".flow" || !it->is_regular_file(type_ec)) continue;
    // `flowc check .` names flows/x.flow, not ./flows/x.flow: CI annotations and SARIF
    // locations are matched against the repository's paths as they are.
    std::string name = p.string();
    found.push_back(name.rfind("./", 0) == 0 ? name.substr(2) : name);
  }
  if (ec) {
    *error = "cannot read the directory '" + dir + "': " + ec.message();
    return false;
  }
  if (found.empty()) {
    *error = "no .flow file under the directory '" + dir + "'";
    return false;
  }
  std::sort(found.begin(), found.end());
  files->insert(files->end(), found.begin(), found.end());
  return true;
}

}  // namespace

bool expand_flow_paths(const std::vector<std::string>& args, std::vector<std::string>* files,
                       std::string* error) {
  bool seen_stdin = false;
  for (const std::string& arg : args) {
    std::error_code ec;
    if (arg == "-") {
      if (seen_stdin) {
        *error = "standard input (`-`) can be read only once";
        return false;
      }
      seen_stdin = true;
      files->push_back(arg);
    } else if (fs::is_directory(arg, ec)) {
      if (!flow_files_under(arg, files, error)) return false;
    } else {
      files->push_back(arg);
    }
  }
  return true;
}

}  // namespace flow

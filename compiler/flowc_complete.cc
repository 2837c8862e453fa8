#include "compiler/flowc_complete.h"

#include <cstdio>

#include "cli/completion.h"
#include "compiler/compile.h"
#include "compiler/diagnostic_registry.h"

namespace flow {

int flowc_complete(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> words;
  std::string what = args.empty() ? "" : args[0];
  if (what == "codes") {
    for (const DiagnosticKind& k : diagnostic_kinds()) words.emplace_back(k.code, k.title);
  } else if (what == "modules") {
    for (std::string& m : stdlib_modules(find_stdlib_dir())) words.emplace_back(std::move(m), "");
  } else {
    return 2;
  }
  std::fputs(cli::candidate_lines(words).c_str(), stdout);
  return 0;
}

}  // namespace flow

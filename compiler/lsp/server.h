#pragma once
// `flowc lsp`: a Language Server Protocol server on a pair of streams, single-threaded.
// docs/editors.md says what it offers.
#include <cstdio>
#include <string>

#include "compiler/compile.h"

namespace flow::lsp {

// Serves until `exit` or the end of `in`. Returns the process's exit status: 0 when `exit`
// followed `shutdown`, 1 otherwise (as the protocol asks). Writes only protocol messages to
// `out`; logs go to `log`.
int run_server(std::FILE* in, std::FILE* out, std::FILE* log, const CompileOptions& options,
               const std::string& version);

}  // namespace flow::lsp

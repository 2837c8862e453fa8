#include "compiler/lsp/server.h"

#include "compiler/lsp/framing.h"
#include "compiler/lsp/session.h"

namespace flow::lsp {

int run_server(std::FILE* in, std::FILE* out, std::FILE* log, const CompileOptions& options,
               const std::string& version) {
  Session session(out, log, options, version);
  std::string body, error;
  while (true) {
    ReadStatus status = read_message(in, &body, &error);
    if (status == ReadStatus::End) {
      session.log("the input ended without `exit`");
      break;
    }
    if (status == ReadStatus::BadHeader) {
      session.log(error);
      continue;
    }
    if (session.handle(body)) break;
  }
  return session.exit_status();
}

}  // namespace flow::lsp

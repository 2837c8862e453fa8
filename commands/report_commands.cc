#include "commands/report_commands.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "runtime/store/runs.h"
#include "runtime/report/otlp_json.h"
#include "runtime/terminal/printable.h"
#include "runtime/report/report_html.h"
#include "runtime/store/run_store.h"
#include "runtime/report/run_view.h"

namespace flow::rt {
namespace {

// Finds and reads the run; prints why not. 0 when `view` is filled.
int load(const std::string& root, const std::string& run, RunView* view) {
  std::string id = run == "last" ? latest_run(root) : run;
  if (id.empty()) {
    std::fprintf(stderr, "flow: no runs under %s yet; start one with `flow run FILE`\n", root.c_str());
    return 2;
  }
  std::string dir = root + "/" + id;
  std::string text;
  if (!read_file(dir + "/run.json", &text)) {
    std::fprintf(stderr, "flow: no run %s under %s (see `flow runs`)\n", printable(id).c_str(), root.c_str());
    return 2;
  }
  std::string err;
  if (!load_run_view(dir, view, &err)) {
    std::fprintf(stderr, "flow: cannot read run %s: %s\n", printable(id).c_str(), printable(err).c_str());
    return 1;
  }
  if (view->id.empty()) view->id = id;
  return 0;
}

int write_out(const std::string& path, const std::string& text, const char* what) {
  if (path == "-") {
    bool ok = std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
    ok = std::fflush(stdout) == 0 && ok;
    if (!ok) {
      std::fprintf(stderr, "flow: cannot write the %s to stdout: %s\n", what, std::strerror(errno));
      return 1;
    }
    return 0;
  }
  std::string err;
  // Atomic: a full disk leaves no half-written page behind, and an older one stays intact.
  if (!write_file_atomic(path, text, false, &err)) {
    std::fprintf(stderr, "flow: cannot write the %s: %s\n", what, err.c_str());
    return 1;
  }
  std::fprintf(stderr, "flow: wrote %s\n", path.c_str());
  return 0;
}

std::string new_nonce() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}", rd(), rd(), rd());
}

}  // namespace

int report_command(const std::string& root, const std::string& run, const std::string& out) {
  RunView view;
  if (int rc = load(root, run, &view)) return rc;
  std::string path = out.empty() ? view.dir + "/report.html" : out;
  return write_out(path, report_html(view, new_nonce()), "report");
}

int export_otlp_command(const std::string& root, const std::string& run, const std::string& out) {
  RunView view;
  if (int rc = load(root, run, &view)) return rc;
  std::string text = run_to_otlp(view).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return write_out(out, text, "OTLP/JSON export");
}

}  // namespace flow::rt

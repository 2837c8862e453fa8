#include <fmt/format.h>

#include "compiler/emit.h"

namespace flow {
namespace {

// The escapes GitHub's workflow-command parser undoes (toolkit/packages/core/src/command.ts).
std::string escape_data(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(const std::string& s) {
  std::string out;
  for (char c : escape_data(s)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

}  // namespace

std::string emit_github(const std::vector<Report>& reports) {
  std::string out;
  for (const Report& r : reports) {
    for (const Diagnostic& d : *r.diagnostics) {
      const char* level = d.severity == Severity::Error     ? "error"
                          : d.severity == Severity::Warning ? "warning"
                                                            : "notice";
      std::string message = d.message;
      if (!d.help.empty()) message += "\nhelp: " + d.help;
      std::string props;
      if (d.span.file != 0) {
        props = fmt::format(" file={},line={},col={}",
                            escape_property(r.sources->file(d.span.file).path), d.span.begin.line,
                            d.span.begin.col);
        if (d.span.end.line >= d.span.begin.line)
          props += fmt::format(",endLine={},endColumn={}", d.span.end.line, d.span.end.col);
        props += ",";
      } else {
        props = " ";
      }
      props += "title=" + escape_property(d.code);
      out += fmt::format("::{}{}::{}\n", level, props, escape_data(message));
    }
  }
  return out;
}

}  // namespace flow

#pragma once
// Helpers shared by the lang/ tests: parse a string as if it were a file, and render what the
// parser reported exactly as flowc prints it (without colour).
#include <ctime>
#include <string>

#include "lang/diagnostic.h"
#include "lang/parser.h"
#include "lang/source.h"

namespace flow::testing {

// CPU time of the calling thread, in seconds. The growth tests measure with it rather than the
// wall clock: time the thread waits for a core is not counted, so a loaded machine cannot make
// linear work look quadratic.
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Parsed {
  SourceMap sources;
  ParseResult result;
  const ast::File& file() const { return result.file; }
  size_t errors() const { return result.diagnostics.size(); }
};

inline Parsed parse_text(const std::string& text, const std::string& path = "t.flow") {
  Parsed p;
  uint32_t id = p.sources.add(path, text);
  p.result = parse(p.sources, id);
  return p;
}

// Every diagnostic, rendered as flowc prints it.
inline std::string rendered(const std::string& text) {
  Parsed p = parse_text(text);
  std::string out;
  for (const Diagnostic& d : p.result.diagnostics) out += render_human(d, p.sources, false);
  return out;
}

// The first line of each diagnostic only: "t.flow:1:2: error[E0001]: ...".
inline std::string headlines(const std::string& text) {
  Parsed p = parse_text(text);
  std::string out;
  for (const Diagnostic& d : p.result.diagnostics) {
    std::string r = render_human(d, p.sources, false);
    out += r.substr(0, r.find('\n') + 1);
  }
  return out;
}

}  // namespace flow::testing

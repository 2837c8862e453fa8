#include "lang/diagnostic.h"

#include <algorithm>

#include <fmt/format.h>

#include "lang/text.h"

namespace flow {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "?";
}

bool has_errors(const std::vector<Diagnostic>& ds) {
  return std::any_of(ds.begin(), ds.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

namespace {

struct Style {
  bool on;
  std::string wrap(const char* code, const std::string& s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  }
};

// Source lines may hold bytes a terminal would act on, or bytes that are not UTF-8 at all;
// show each as '?' so that no escape sequence or broken text from a file reaches the user's
// terminal. Valid UTF-8 characters are kept.
std::string printable(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    unsigned char c = line[i];
    size_t n = c >= 0x80 ? text::utf8_length(line, i) : 1;
    if (n > 1) {
      out.append(line.substr(i, n));
      i += n;
      continue;
    }
    out += (c == '\t' || c >= 0x20) && c < 0x7f ? char(c) : '?';
    ++i;
  }
  return out;
}

// Columns count bytes, but a terminal shows one cell per character: skip UTF-8 continuation
// bytes when padding and underlining so the caret stays under the right character.
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Very long lines (minified or generated input) are cut around the span so output stays usable.
constexpr size_t kMaxShown = 200;

void render_snippet(std::string& out, const Span& span, const std::string& label,
                    const SourceMap& sources, const Style& st, char mark) {
  if (span.file == 0 || span.begin.line == 0) return;
  const SourceFile& f = sources.file(span.file);
  std::string_view line = f.line_text(span.begin.line);
  size_t col = span.begin.col - 1;
  size_t width = span.end.line == span.begin.line && span.end.col > span.begin.col
                     ? span.end.col - span.begin.col
                     : 1;
  size_t shift = 0;
  if (line.size() > kMaxShown) {
    shift = col > kMaxShown / 2 ? col - kMaxShown / 2 : 0;
    line = line.substr(shift, kMaxShown);
  }
  col -= shift;
  col = std::min(col, line.size());
  width = std::max<size_t>(1, std::min(width, line.size() > col ? line.size() - col : 1));
  std::string num = std::to_string(span.begin.line);
  std::string pad(num.size(), ' ');
  std::string text = printable(line);
  // Tabs before the caret keep their width so the caret sits under the right character.
  std::string lead;
  for (size_t i = 0; i < col; ++i)
    if (!is_continuation(text[i])) lead += text[i] == '\t' ? '\t' : ' ';
  size_t cells = 0;
  for (size_t i = col; i < col + width && i < text.size(); ++i) cells += !is_continuation(text[i]);
  width = std::max<size_t>(1, cells);
  out += fmt::format("{} {}\n", pad, st.wrap("1;34", "|"));
  out += fmt::format("{} {} {}\n", st.wrap("1;34", num), st.wrap("1;34", "|"), text);
  std::string marks(width, mark);
  if (!label.empty()) marks += " " + label;
  out += fmt::format("{} {} {}{}\n", pad, st.wrap("1;34", "|"), lead,
                     st.wrap(mark == '^' ? "1;31" : "1;34", marks));
}

}  // namespace

std::string render_human(const Diagnostic& d, const SourceMap& sources, bool color) {
  Style st{color};
  std::string out;
  const SourceFile& f = sources.file(d.span.file);
  std::string where = d.span.file == 0
                          ? std::string("flow")
                          : fmt::format("{}:{}:{}", f.path, d.span.begin.line, d.span.begin.col);
  const char* sev_color = d.severity == Severity::Error ? "1;31" : d.severity == Severity::Warning ? "1;33" : "1;36";
  std::string head = d.code.empty() ? std::string(severity_name(d.severity))
                                    : fmt::format("{}[{}]", severity_name(d.severity), d.code);
  out += fmt::format("{}: {}: {}\n", st.wrap("1", where), st.wrap(sev_color, head),
                     st.wrap("1", d.message));
  render_snippet(out, d.span, d.label, sources, st, '^');
  for (const Label& l : d.secondary) {
    if (l.span.file == 0) continue;
    const SourceFile& lf = sources.file(l.span.file);
    out += fmt::format("{} {}:{}:{}\n", st.wrap("1;34", "-->"), lf.path, l.span.begin.line,
                       l.span.begin.col);
    render_snippet(out, l.span, l.message, sources, st, '-');
  }
  for (const std::string& n : d.notes) out += fmt::format("  = {}: {}\n", st.wrap("1", "note"), n);
  if (!d.help.empty()) out += fmt::format("  = {}: {}\n", st.wrap("1", "help"), d.help);
  return out;
}

}  // namespace flow

#include "compiler/suppress.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace flow {
namespace {

struct FileAllows {
  std::set<std::string> whole_file;
  std::map<uint32_t, std::set<std::string>> by_line;
};

void read_codes(std::string_view rest, std::set<std::string>& into) {
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == ',')) ++i;
    size_t b = i;
    while (i < rest.size() && std::isalnum(static_cast<unsigned char>(rest[i]))) ++i;
    if (i == b) break;  // anything else ends the list (e.g. a trailing explanation)
    into.insert(std::string(rest.substr(b, i - b)));
  }
}

FileAllows scan(const SourceFile& f) {
  FileAllows out;
  constexpr std::string_view kMark = "flowc:";
  size_t pos = 0;
  while ((pos = f.text.find(kMark, pos)) != std::string::npos) {
    // Only inside a comment: a `#` earlier on the same line, with nothing but spaces between.
    size_t hash = f.text.rfind('#', pos);
    size_t line_start = f.text.rfind('\n', pos);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    size_t at = pos;
    pos += kMark.size();
    if (hash == std::string::npos || hash < line_start ||
        f.text.find_first_not_of(" \t", hash + 1) != at)
      continue;
    size_t eol = f.text.find('\n', pos);
    std::string_view rest(f.text.data() + pos, (eol == std::string::npos ? f.text.size() : eol) - pos);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    if (rest.rfind("allow-file", 0) == 0) {
      read_codes(rest.substr(10), out.whole_file);
    } else if (rest.rfind("allow", 0) == 0) {
      read_codes(rest.substr(5), out.by_line[f.pos_at(static_cast<uint32_t>(at)).line]);
    }
  }
  return out;
}

}  // namespace

void apply_suppressions(const SourceMap& sources, std::vector<Diagnostic>& diags) {
  std::map<uint32_t, FileAllows> cache;
  auto allowed = [&](const Diagnostic& d) {
    if (d.severity != Severity::Warning || d.span.file == 0) return false;
    auto it = cache.find(d.span.file);
    if (it == cache.end()) it = cache.emplace(d.span.file, scan(sources.file(d.span.file))).first;
    const FileAllows& a = it->second;
    if (a.whole_file.count(d.code)) return true;
    auto line = a.by_line.find(d.span.begin.line);
    return line != a.by_line.end() && line->second.count(d.code);
  };
  diags.erase(std::remove_if(diags.begin(), diags.end(), allowed), diags.end());
}

}  // namespace flow

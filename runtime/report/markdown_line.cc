#include "runtime/report/markdown_line.h"

namespace flow::rt {

std::string_view trim_space(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool is_emphasis(char c) { return c == '*' || c == '_' || c == '`'; }

std::string_view strip_line_prefixes(std::string_view line) {
  for (;;) {
    line = trim_space(line);
    if (!line.empty() && line[0] == '>') {
      line.remove_prefix(1);
      continue;
    }
    size_t hashes = line.find_first_not_of('#');
    if (hashes >= 1 && hashes <= 6 && hashes < line.size() &&
        (line[hashes] == ' ' || line[hashes] == '\t')) {
      line.remove_prefix(hashes);
      continue;
    }
    if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') &&
        (line[1] == ' ' || line[1] == '\t')) {
      line.remove_prefix(1);
      continue;
    }
    return line;
  }
}

}  // namespace flow::rt

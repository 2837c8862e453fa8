#include "runtime/processes/refused_writes.h"

#include <algorithm>

namespace flow::rt {
namespace {

// The path after `key` in `line`: quoted ('X') up to the closing quote, else up to the next
// space. "" when `key` is not there.
std::string path_after(std::string_view line, std::string_view key) {
  size_t at = line.find(key);
  if (at == std::string_view::npos) return "";
  line.remove_prefix(at + key.size());
  if (!line.empty() && line.front() == '\'') {
    size_t end = line.find('\'', 1);
    return end == std::string_view::npos ? "" : std::string(line.substr(1, end - 1));
  }
  return std::string(line.substr(0, line.find(' ')));
}

// GNU tools quote with ‘ ’ in UTF-8 locales and ' ' otherwise; shells do not quote.
std::string unquote(std::string s) {
  for (std::string_view q : {"\xe2\x80\x98", "\xe2\x80\x99", "'", "\"", "`"}) {
    if (s.size() >= q.size() && s.compare(0, q.size(), q) == 0) s.erase(0, q.size());
    if (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0)
      s.erase(s.size() - q.size());
  }
  return s;
}

// "sh: 1: cannot create out.txt: Permission denied", "touch: cannot touch 'x': Permission
// denied", "bash: x: Permission denied": the field before ": Permission denied", without the
// verb before it.
std::string shell_style(std::string_view line) {
  size_t at = line.find(": Permission denied");
  if (at == std::string_view::npos) return "";
  std::string_view head = line.substr(0, at);
  size_t colon = head.rfind(": ");
  std::string field(colon == std::string_view::npos ? head : head.substr(colon + 2));
  for (std::string_view verb : {"cannot create directory ", "cannot create regular file ",
                                "cannot create ", "can't create ", "cannot touch ", "cannot remove ",
                                "cannot open ", "cannot move ", "cannot overwrite "})
    if (field.compare(0, verb.size(), verb) == 0) {
      field.erase(0, verb.size());
      break;
    }
  field = unquote(field);
  return field.find(' ') == std::string::npos ? field : "";
}

}  // namespace

std::vector<std::string> permission_denied_paths(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.find("ermission denied") == std::string_view::npos) continue;
    // Node: "EACCES: permission denied, open 'X'" (the verb first, then the path).
    std::string path;
    if (size_t at = line.find("EACCES: permission denied, "); at != std::string_view::npos) {
      std::string_view rest = line.substr(at + 27);
      path = path_after(rest, " ");
    }
    // Python "[Errno 13] Permission denied: 'X'", zsh "permission denied: X".
    if (path.empty()) path = path_after(line, "ermission denied: ");
    if (path.empty()) path = shell_style(line);
    if (!path.empty() && std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

std::string path_in_tree(const std::string& path, const std::string& tree) {
  if (path.empty()) return "";
  if (path[0] != '/') {
    std::string p = path;
    while (p.compare(0, 2, "./") == 0) p.erase(0, 2);
    return p.compare(0, 3, "../") == 0 || p == ".." ? "" : p;
  }
  if (path.size() > tree.size() + 1 && path.compare(0, tree.size(), tree) == 0 &&
      path[tree.size()] == '/')
    return path.substr(tree.size() + 1);
  return "";
}

}  // namespace flow::rt

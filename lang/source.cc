#include "lang/source.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace flow {

SourceFile::SourceFile(std::string p, std::string t) : path(std::move(p)), text(std::move(t)) {
  // Counted first, then found with memchr: both run many bytes at a time on large files.
  line_starts.reserve(std::count(text.begin(), text.end(), '\n') + 1);
  line_starts.push_back(0);
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, '\n', end - p)));)
    line_starts.push_back(static_cast<uint32_t>(++p - begin));
}

SourcePos SourceFile::pos_at(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, text.size());
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts.begin());  // 1-based
  return SourcePos{offset, line, offset - line_starts[line - 1] + 1};
}

SourcePos SourceFile::pos_at(uint32_t offset, uint32_t* line_hint) const {
  offset = std::min<uint32_t>(offset, text.size());
  const size_t n = line_starts.size();
  uint32_t i = *line_hint;
  // A few lines forward at most; a longer jump, or one backward, is a binary search.
  bool near = i < n && line_starts[i] <= offset;
  for (int steps = 0; near && i + 1 < n && line_starts[i + 1] <= offset; ++i)
    near = ++steps < 8;
  if (!near) {
    SourcePos p = pos_at(offset);
    *line_hint = p.line - 1;
    return p;
  }
  *line_hint = i;
  return SourcePos{offset, i + 1, offset - line_starts[i] + 1};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts.size()) return {};
  uint32_t begin = line_starts[line - 1];
  uint32_t end = line < line_starts.size() ? line_starts[line] - 1 : text.size();
  std::string_view v(text.data() + begin, end - begin);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  return v;
}

SourceMap::SourceMap() { files.push_back(std::make_unique<SourceFile>("<unknown>", "")); }

uint32_t SourceMap::add(std::string path, std::string text) {
  files.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  return static_cast<uint32_t>(files.size() - 1);
}

Span SourceMap::span(uint32_t id, uint32_t begin_offset, uint32_t end_offset) const {
  const SourceFile& f = file(id);
  return Span{id, f.pos_at(begin_offset), f.pos_at(end_offset)};
}

const std::string* SourceMap::overlay_text(const std::string& path) const {
  if (!overlay || overlay->empty() || path == "-") return nullptr;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return nullptr;
  auto it = overlay->find(abs.lexically_normal().string());
  return it == overlay->end() ? nullptr : &it->second;
}

}  // namespace flow

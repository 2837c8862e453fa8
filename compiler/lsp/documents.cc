#include "compiler/lsp/documents.h"

#include "compiler/lsp/uri.h"

namespace flow::lsp {

bool DocumentStore::open(const std::string& uri, int64_t version, std::string text) {
  std::string path = path_from_uri(uri);
  if (path.empty()) return false;
  overlay_[path] = text;
  docs_.insert_or_assign(uri, Document{uri, path, version, SourceFile(path, std::move(text))});
  return true;
}

bool DocumentStore::change(const std::string& uri, int64_t version, const TextChange& change,
                           Encoding enc) {
  auto it = docs_.find(uri);
  if (it == docs_.end()) return false;
  Document& doc = it->second;
  std::string text;
  if (!change.start || !change.end) {
    text = change.text;
  } else {
    uint32_t a = to_offset(doc.file, *change.start, enc);
    uint32_t b = to_offset(doc.file, *change.end, enc);
    if (b < a) std::swap(a, b);
    text = doc.file.text;
    text.replace(a, b - a, change.text);
  }
  doc.version = version;
  overlay_[doc.path] = text;
  doc.file = SourceFile(doc.path, std::move(text));
  return true;
}

void DocumentStore::close(const std::string& uri) {
  auto it = docs_.find(uri);
  if (it == docs_.end()) return;
  overlay_.erase(it->second.path);
  docs_.erase(it);
}

const Document* DocumentStore::find(const std::string& uri) const {
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : &it->second;
}

}  // namespace flow::lsp

#pragma once
// The documents the editor has open, with their unsaved text. The text of each is also kept
// in a SourceOverlay, so that compiling any file reads open buffers instead of the disk.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "compiler/lsp/position.h"
#include "lang/source.h"

namespace flow::lsp {

struct Document {
  std::string uri;
  std::string path;  // absolute
  int64_t version = 0;
  SourceFile file;   // the current text, with its line index
};

// A change from textDocument/didChange: the whole text, or a range replaced.
struct TextChange {
  std::optional<Position> start, end;  // absent: `text` is the whole document
  std::string text;
};

class DocumentStore {
 public:
  // False when the URI is not a file:// URI (the document is then not tracked).
  bool open(const std::string& uri, int64_t version, std::string text);
  // False when the document is not open.
  bool change(const std::string& uri, int64_t version, const TextChange& change, Encoding enc);
  void close(const std::string& uri);
  const Document* find(const std::string& uri) const;
  const SourceOverlay& overlay() const { return overlay_; }
  const std::map<std::string, Document>& documents() const { return docs_; }

 private:
  std::map<std::string, Document> docs_;  // by URI
  SourceOverlay overlay_;                 // by path
};

}  // namespace flow::lsp

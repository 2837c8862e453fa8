#pragma once
// file:// URIs to paths and back (RFC 8089, as editors write them: percent-encoded UTF-8).
#include <string>
#include <string_view>

namespace flow::lsp {

// The absolute, lexically normal path of a file:// URI; "" for any other scheme or a
// malformed URI.
std::string path_from_uri(std::string_view uri);

// `path` made absolute and lexically normal, as the document store keys files.
std::string absolute_path(const std::string& path);

// The file:// URI of a path (made absolute first).
std::string uri_from_path(const std::string& path);

}  // namespace flow::lsp

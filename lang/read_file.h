#pragma once
// Reading a whole file: the one reader every layer uses (sources, agent files, run stores).
#include <cstddef>
#include <string>

namespace flow {

// Reads `path` into `*content`. On failure returns false and, when `error` is given, sets it to
// "cannot read 'PATH': WHY" (WHY as strerror says it, lower-cased, or "is a directory", or
// "file is larger than N MiB" when `max_bytes` is passed). "-" is not special here.
bool read_file(const std::string& path, std::string* content, std::string* error = nullptr,
               size_t max_bytes = static_cast<size_t>(-1));

}  // namespace flow

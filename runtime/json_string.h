#pragma once
// Writing a JSON string fast, with exactly the bytes nlohmann/json's dump() writes for it
// (compact, no ensure_ascii, invalid UTF-8 replaced by U+FFFD). Model API requests are named
// by the hash of their body when recorded, so the body must stay byte for byte what it was;
// but nlohmann/json escapes byte by byte, and a request carries the whole prompt (10 KB and
// more) once per turn. This copies runs of plain text at once.
#include <string>
#include <string_view>

namespace flow::rt {

// Appends `text` as a quoted JSON string to `out`.
void append_json_string(std::string* out, std::string_view text);
// Appends `"key":` for a key that needs no escaping (the API's own field names).
void append_json_key(std::string* out, std::string_view key);
// Appends `"key":` and `text` as a JSON string.
void append_json_member(std::string* out, std::string_view key, std::string_view text);

}  // namespace flow::rt

#pragma once
// Byte-level helpers for the parser: UTF-8 checks and the processing of string literals.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flow::text {

// Offset of each byte that starts an encoding error: a NUL, or a byte that does not begin a
// valid UTF-8 sequence (overlong forms, surrogates and values past U+10FFFF included). Only the
// first such byte of each line is returned, so one bad line gives one diagnostic.
std::vector<uint32_t> encoding_errors(std::string_view text);

// Length in bytes of the valid UTF-8 sequence at `offset`, or 0 if there is none.
size_t utf8_length(std::string_view text, size_t offset);

// The code point of the valid UTF-8 sequence of `length` bytes at `offset` (utf8_length).
uint32_t utf8_decode(std::string_view text, size_t offset, size_t length);

void append_utf8(std::string& out, uint32_t code_point);

// The largest offset <= `i` that does not fall inside a UTF-8 sequence (where a text may be
// cut): `i` moved back over continuation bytes. `i` at or past the end is returned unchanged.
size_t utf8_boundary(std::string_view text, size_t i);

// "1 step", "2 steps": a count and an English noun that takes -s.
std::string plural(size_t n, std::string_view noun);

// The value of a """ string from the text between its delimiters: a newline right after the
// opening """ is dropped, a last line holding only spaces or tabs is dropped (with the newline
// before it), the indentation common to all non-blank lines is removed, blank lines become
// empty, and CRLF line ends become LF.
std::string strip_indentation(std::string_view raw);

}  // namespace flow::text

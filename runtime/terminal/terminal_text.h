#pragma once
// Text measured in terminal columns, for what `flow` draws on a terminal: the live view, the
// questions it asks and the end-of-run table must each fit the width of the window, or the
// terminal wraps them and a redraw leaves the wrapped part behind.
//
// The functions take printable() text (runtime/terminal/printable.h): no control characters, valid
// UTF-8. A tab counts as one column; callers that keep tabs expand them first.
#include <string>
#include <string_view>
#include <vector>

namespace flow::rt {

// Columns `text` takes: most characters one, East Asian wide ones and emoji two, combining
// marks and zero-width characters none.
size_t display_width(std::string_view text);

// `text` cut to at most `cols` columns, an ellipsis ("…") standing for what was cut from the
// middle: a long step name keeps its beginning and its end, which tell similar names apart.
std::string fit_middle(std::string_view text, size_t cols);

// `text` cut to at most `cols` columns, an ellipsis standing for what was cut from the end.
std::string fit_end(std::string_view text, size_t cols);

// `text` (one line) broken into lines of at most `cols` columns, at spaces where it can be and
// inside a word only when the word alone is too long; every line after the first starts with
// `indent` spaces. Never returns an empty vector.
std::vector<std::string> wrap_line(std::string_view text, size_t cols, size_t indent);

// The width of the terminal behind `fd`; `fallback` when it is none or does not say.
size_t terminal_columns(int fd, size_t fallback = 80);
size_t terminal_rows(int fd, size_t fallback = 24);

}  // namespace flow::rt

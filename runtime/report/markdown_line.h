#pragma once
// Reading a marker line (`VERDICT: PASS`, `ITEM: x`) that a model may have decorated with
// markdown: what verdicts and chosen items both need.
#include <string_view>

namespace flow::rt {

// `s` without leading and trailing spaces, tabs and line ends.
std::string_view trim_space(std::string_view s);

// `*`, `_` and `` ` ``: the characters of emphasis and code spans.
bool is_emphasis(char c);

// Removes the markdown that may start a line, in any order and number: blockquote `>`, and
// heading `#`..`######` and list markers `-`, `*`, `+` each followed by a space or tab.
std::string_view strip_line_prefixes(std::string_view line);

}  // namespace flow::rt

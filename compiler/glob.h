#pragma once
// The small glob language of `writes` patterns: `*` matches within one path segment, `**`
// across segments (`a/**/b` also matches `a/b`), everything else is literal.
#include <string_view>

namespace flow {

// Some path matches both patterns.
bool globs_overlap(std::string_view a, std::string_view b);

// Every path `inner` matches is also matched by `outer` (decided on the patterns' text:
// `outer`'s `**` covers anything, its `*` covers `*` and literal text without `/`).
bool glob_within(std::string_view inner, std::string_view outer);

// The literal text before the first `*` (two patterns can only overlap when one's prefix is
// a prefix of the other's).
std::string_view glob_prefix(std::string_view pattern);

// The path matches the pattern.
bool glob_matches(std::string_view pattern, std::string_view path);

}  // namespace flow

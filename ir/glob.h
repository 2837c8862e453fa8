#pragma once
// The small glob language of `writes` patterns: `*` matches within one path segment, `**`
// across segments (`a/**/b` also matches `a/b`), everything else is literal.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace flow {

// The longest pattern the compiler accepts (E0504). Deciding whether two patterns overlap
// takes time up to the product of their lengths (memory stays linear), so a bound keeps every
// check fast. Given a longer pattern anyway, globs_overlap and glob_matches answer false and
// glob_within true at once: the compile has already failed with E0504, and the runtime then
// treats a path as outside a pattern it cannot decide.
inline constexpr size_t kMaxGlobLength = 4096;

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

// The pairs (i < j) of `patterns` that overlap, in ascending order. Two patterns can only
// overlap when one's literal start (the text before the first `*`) begins the other's, and
// one's literal end (after the last `*`) ends the other's; two without `**` must also have as
// many `/`. Each pattern is walked against the patterns that pass the more selective of the
// first two tests, so the work stays near-linear in the number of patterns unless many of
// them start with a wildcard while many others end with one: then the walk is quadratic,
// though only pairs passing every test are searched.
// `compared`, when given, receives the number of pairs handed to globs_overlap.
std::vector<std::pair<uint32_t, uint32_t>> overlapping_pairs(
    const std::vector<std::string_view>& patterns, size_t* compared = nullptr);

}  // namespace flow

#pragma once
// Closest-name search for "did you mean" suggestions. It lives in lang/ because the parser
// suggests agent fields; compiler/suggest.h builds its name suggestions on it.
#include <string>
#include <string_view>
#include <vector>

namespace flow {

// Edit distance between two short names (insertions, deletions, substitutions, and swaps of
// adjacent characters). Stops early and returns `limit + 1` once the distance exceeds `limit`.
size_t edit_distance(std::string_view a, std::string_view b, size_t limit);

// The candidate closest to `name` if it is close enough to be a likely typo, else "".
// Ties go to the earliest candidate, so the answer does not depend on hash order.
std::string closest_name(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace flow

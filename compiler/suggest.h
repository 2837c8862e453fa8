#pragma once
// "Did you mean" for misspelled names.
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

// "did you mean `x`?" when a candidate is close, else `otherwise`.
std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates,
                         std::string otherwise = "");

}  // namespace flow

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

// Suggestions from one set of names, for many lookups. The names are sorted once, and after
// `budget` lookups it stops searching: a flow with thousands of unknown names gets
// suggestions for the first ones and stays fast (each search is linear in the names).
struct NameSuggester {
  std::vector<std::string_view> names;  // sorted, so ties do not depend on hash order
  size_t budget = 100;

  NameSuggester() = default;
  explicit NameSuggester(std::vector<std::string_view> unsorted);
  std::string did_you_mean(std::string_view name, std::string otherwise = "");
};

}  // namespace flow

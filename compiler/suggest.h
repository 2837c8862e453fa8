#pragma once
// "Did you mean" for misspelled names.
#include <string>
#include <string_view>
#include <vector>

#include "lang/suggest.h"  // edit_distance, closest_name

namespace flow {

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

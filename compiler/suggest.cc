#include "compiler/suggest.h"

#include <algorithm>

namespace flow {

std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates,
                         std::string otherwise) {
  std::string c = closest_name(name, candidates);
  return c.empty() ? otherwise : "did you mean `" + c + "`?";
}

NameSuggester::NameSuggester(std::vector<std::string_view> unsorted) : names(std::move(unsorted)) {
  std::sort(names.begin(), names.end());
}

std::string NameSuggester::did_you_mean(std::string_view name, std::string otherwise) {
  if (budget == 0) return otherwise;
  --budget;
  return flow::did_you_mean(name, names, std::move(otherwise));
}

}  // namespace flow

#include "lang/suggest.h"

#include <algorithm>

namespace flow {

size_t edit_distance(std::string_view a, std::string_view b, size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > limit) return limit + 1;
  // Three rows are enough for the adjacent-swap rule (optimal string alignment distance).
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], limit + 1);
}

std::string closest_name(std::string_view name, const std::vector<std::string_view>& candidates) {
  // A third of the name's length, at least one edit: `revew` → `review`, not `a` → `b`.
  size_t limit = std::max<size_t>(1, name.size() / 3);
  size_t best = limit + 1;
  std::string_view found;
  for (std::string_view c : candidates) {
    if (c == name) continue;
    size_t d = edit_distance(name, c, std::min(limit, best));
    if (d < best) best = d, found = c;
  }
  return std::string(found);
}

}  // namespace flow

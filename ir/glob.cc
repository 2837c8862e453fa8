#include "ir/glob.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace flow {
namespace {

bool star2(std::string_view p, size_t i) { return i + 1 < p.size() && p[i] == '*' && p[i + 1] == '*'; }
bool star1(std::string_view p, size_t i) { return i < p.size() && p[i] == '*' && !star2(p, i); }
bool literal(std::string_view p, size_t i) { return i < p.size() && p[i] != '*'; }

// Positions reachable from `i` without consuming a character: a star may match nothing, and
// `**/` may vanish with its slash.
template <typename F>
void skips(std::string_view p, size_t i, F&& f) {
  if (star2(p, i)) {
    f(i + 2);
    if (i + 2 < p.size() && p[i + 2] == '/') f(i + 3);
  } else if (star1(p, i)) {
    f(i + 1);
  }
}

// Which pairs (i, j) of positions in two patterns can be reached from (0, 0): the product
// automaton. Every move advances i or j or both, and i by at most kAhead, so the pairs are
// visited row by row (i ascending, then j ascending) keeping only the rows a move can still
// reach: memory is linear in the second pattern's length. Each row remembers the span of its
// marked columns, so a narrow band (two mostly literal patterns) costs time linear in the
// patterns' lengths; the worst case, stars on both sides, is their product.
class PairRows {
 public:
  static constexpr size_t kAhead = 3;  // `**/` skips three characters

  explicit PairRows(size_t width) : width_(width), marks_(width * rows_.size(), 0) {
    for (size_t k = 0; k < rows_.size(); ++k) rows_[k].marks = marks_.data() + k * width;
  }
  // Marks (i, j); `i` lies at most kAhead rows past the row being visited.
  void mark(size_t i, size_t j) {
    Row& r = rows_[i % rows_.size()];
    if (r.marks[j]) return;
    r.marks[j] = 1;
    r.lo = std::min(r.lo, j);
    r.hi = std::max(r.hi, j);
  }
  // Calls visit(j) for every marked column of row `i`, in ascending order, including the
  // columns visit itself marks in this row, then clears the row for reuse by row i + kAhead + 1.
  // False when this row and every row ahead of it are empty: nothing more can be reached.
  template <typename F>
  bool visit_row(size_t i, F&& visit) {
    Row& r = rows_[i % rows_.size()];
    for (size_t j = r.lo; j <= r.hi && j < width_; ++j)
      if (r.marks[j]) visit(j);
    if (r.lo <= r.hi) std::fill(r.marks + r.lo, r.marks + r.hi + 1, 0);
    r.lo = SIZE_MAX, r.hi = 0;
    return std::any_of(rows_.begin(), rows_.end(), [&](const Row& o) { return o.lo <= o.hi; });
  }

 private:
  struct Row {
    char* marks = nullptr;         // `width_` flags in marks_
    size_t lo = SIZE_MAX, hi = 0;  // the span of marked columns; lo > hi when none
  };
  size_t width_;
  std::array<Row, kAhead + 1> rows_;
  std::vector<char> marks_;
};

// Runs the search over x × y from (0, 0); `moves(i, j, mark)` marks the successors of (i, j).
// True when (|x|, |y|) is reached.
template <typename Moves>
bool reach_end(std::string_view x, std::string_view y, Moves&& moves) {
  PairRows rows(y.size() + 1);
  rows.mark(0, 0);
  bool found = false;
  for (size_t i = 0; i <= x.size() && !found; ++i) {
    bool more = rows.visit_row(i, [&](size_t j) {
      if (i == x.size() && j == y.size()) found = true;
      else moves(i, j, [&](size_t ni, size_t nj) { rows.mark(ni, nj); });
    });
    if (!more) break;
  }
  return found;
}

// Both patterns start with literal text: it must agree, and the search starts after it.
// Linear, and it keeps long literal directory prefixes out of the search.
bool drop_common_literals(std::string_view& a, std::string_view& b) {
  size_t n = 0;
  while (literal(a, n) && literal(b, n)) {
    if (a[n] != b[n]) return false;
    ++n;
  }
  a.remove_prefix(n), b.remove_prefix(n);
  return true;
}

// The literal text a matching path must end with: after the last star, without the `/` of a
// final `**/`, which may vanish with the star.
std::string_view glob_suffix(std::string_view pattern) {
  size_t star = pattern.rfind('*');
  if (star == std::string_view::npos) return pattern;
  std::string_view tail = pattern.substr(star + 1);
  if (star > 0 && pattern[star - 1] == '*' && !tail.empty() && tail[0] == '/')
    tail.remove_prefix(1);
  return tail;
}

// Distinct keys (literal starts, or reversed literal ends) in sorted order, as a tree: a key's
// parent is the longest other key it starts with, and the keys that start with it follow it
// directly, up to `end`. Built with one stack pass over the sorted keys.
struct KeyTree {
  std::vector<std::string> keys;
  std::vector<std::vector<uint32_t>> members;  // the patterns with each key
  std::vector<uint32_t> parent, end;           // parent: kNoKey for a root
  std::vector<size_t> below, above;  // patterns in [key, end), and in the key's ancestors
  std::vector<uint32_t> key_of;      // each pattern's key
  static constexpr uint32_t kNoKey = UINT32_MAX;

  explicit KeyTree(std::vector<std::string> pattern_keys) : key_of(pattern_keys.size()) {
    std::vector<uint32_t> order(pattern_keys.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](uint32_t x, uint32_t y) { return pattern_keys[x] < pattern_keys[y]; });
    for (uint32_t i : order) {
      if (keys.empty() || keys.back() != pattern_keys[i])
        keys.push_back(std::move(pattern_keys[i])), members.emplace_back();
      members.back().push_back(i);
      key_of[i] = static_cast<uint32_t>(keys.size() - 1);
    }
    link();
  }

  bool starts(uint32_t k, uint32_t prefix) const { return keys[k].rfind(keys[prefix], 0) == 0; }

  void link() {
    const uint32_t n = static_cast<uint32_t>(keys.size());
    parent.assign(n, kNoKey), end.assign(n, n), above.assign(n, 0);
    std::vector<uint32_t> stack;
    for (uint32_t k = 0; k < n; ++k) {
      while (!stack.empty() && !starts(k, stack.back())) end[stack.back()] = k, stack.pop_back();
      if (!stack.empty()) {
        parent[k] = stack.back();
        above[k] = above[parent[k]] + members[parent[k]].size();
      }
      stack.push_back(k);
    }
    std::vector<size_t> upto(n + 1, 0);  // patterns in keys [0, k)
    for (uint32_t k = 0; k < n; ++k) upto[k + 1] = upto[k] + members[k].size();
    below.resize(n);
    for (uint32_t k = 0; k < n; ++k) below[k] = upto[end[k]] - upto[k];
  }
  // Patterns whose key starts with pattern i's, or that pattern i's key starts with.
  size_t related(uint32_t i) const { return below[key_of[i]] + above[key_of[i]]; }
  template <typename F>
  void for_related(uint32_t i, F&& f) const {
    uint32_t k = key_of[i];
    for (uint32_t d = k; d < end[k]; ++d)
      for (uint32_t j : members[d]) f(j);
    for (uint32_t a = parent[k]; a != kNoKey; a = parent[a])
      for (uint32_t j : members[a]) f(j);
  }
  bool related(uint32_t i, uint32_t j) const {
    uint32_t a = key_of[i], b = key_of[j];
    return starts(a, b) || starts(b, a);
  }
};

}  // namespace

std::vector<std::pair<uint32_t, uint32_t>> overlapping_pairs(
    const std::vector<std::string_view>& patterns, size_t* compared) {
  std::vector<std::string> starts, ends;
  for (std::string_view p : patterns) {
    starts.emplace_back(glob_prefix(p));
    std::string_view tail = glob_suffix(p);
    ends.emplace_back(tail.rbegin(), tail.rend());
  }
  KeyTree by_start(std::move(starts)), by_end(std::move(ends));
  // Without `**` a pattern matches paths of exactly its number of segments (`*` stays in
  // one), so two such patterns of different depths cannot overlap. -1: has `**`.
  std::vector<int64_t> depth;
  for (std::string_view p : patterns)
    depth.push_back(p.find("**") != std::string_view::npos
                        ? -1
                        : static_cast<int64_t>(std::count(p.begin(), p.end(), '/')));
  std::vector<std::pair<uint32_t, uint32_t>> out;
  size_t pairs = 0;
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    // Walk the smaller of the two related sets; keep what the other side allows too. A pair
    // that passes both tests lies in both sets of each of its patterns, so taking it only
    // from its lower index compares it exactly once, with nothing stored meanwhile.
    bool walk_start = by_start.related(i) <= by_end.related(i);
    const KeyTree& walk = walk_start ? by_start : by_end;
    const KeyTree& other = walk_start ? by_end : by_start;
    walk.for_related(i, [&](uint32_t j) {
      if (j <= i || !other.related(i, j)) return;
      if (depth[i] >= 0 && depth[j] >= 0 && depth[i] != depth[j]) return;
      ++pairs;
      if (globs_overlap(patterns[i], patterns[j])) out.push_back({i, j});
    });
  }
  if (compared) *compared = pairs;
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view glob_prefix(std::string_view pattern) {
  return pattern.substr(0, std::min(pattern.find('*'), pattern.size()));
}

bool globs_overlap(std::string_view a, std::string_view b) {
  if (a.size() > kMaxGlobLength || b.size() > kMaxGlobLength) return false;
  if (!drop_common_literals(a, b)) return false;
  return reach_end(a, b, [&](size_t i, size_t j, auto&& mark) {
    skips(a, i, [&](size_t ni) { mark(ni, j); });
    skips(b, j, [&](size_t nj) { mark(i, nj); });
    if (i >= a.size() || j >= b.size()) return;
    bool sa = !literal(a, i), sb = !literal(b, j);
    if (!sa && !sb && a[i] == b[j]) mark(i + 1, j + 1);
    // A star stays where it is while the other side consumes a literal it accepts.
    if (sa && !sb && (star2(a, i) || b[j] != '/')) mark(i, j + 1);
    if (sb && !sa && (star2(b, j) || a[i] != '/')) mark(i + 1, j);
  });
}

bool glob_within(std::string_view inner, std::string_view outer) {
  if (inner.size() > kMaxGlobLength || outer.size() > kMaxGlobLength) return true;
  if (!drop_common_literals(inner, outer)) return false;
  return reach_end(inner, outer, [&](size_t i, size_t j, auto&& mark) {
    skips(outer, j, [&](size_t nj) { mark(i, nj); });
    if (i >= inner.size() || j >= outer.size()) return;
    if (star2(outer, j)) {
      mark(i + (star2(inner, i) ? 2 : 1), j);  // covers anything, wildcards included
    } else if (star1(outer, j)) {
      if (star1(inner, i) || (literal(inner, i) && inner[i] != '/')) mark(i + 1, j);
    } else if (literal(inner, i) && inner[i] == outer[j]) {
      mark(i + 1, j + 1);
    }
  });
}

bool glob_matches(std::string_view pattern, std::string_view path) {
  // Its own search rather than globs_overlap with the path as a pattern: a path may hold a
  // literal `*`, and `**/` may vanish only where a segment starts (else `src/**/x.c` would
  // match `src/ax.c`, a `**` eating `a` and the slash vanishing after it).
  // Rows are path positions, columns pattern positions: a row only ever moves on by one.
  if (pattern.size() > kMaxGlobLength) return false;
  return reach_end(path, pattern, [&](size_t j, size_t i, auto&& mark) {
    const bool at_segment = j == 0 || path[j - 1] == '/';
    if (star2(pattern, i)) {
      mark(j, i + 2);
      if (i + 2 < pattern.size() && pattern[i + 2] == '/' && at_segment) mark(j, i + 3);
      if (j < path.size()) mark(j + 1, i);
    } else if (star1(pattern, i)) {
      mark(j, i + 1);
      if (j < path.size() && path[j] != '/') mark(j + 1, i);
    } else if (i < pattern.size() && j < path.size() && pattern[i] == path[j]) {
      mark(j + 1, i + 1);
    }
  });
}

}  // namespace flow

#include "compiler/glob.h"

#include <vector>

namespace flow {
namespace {

bool star2(std::string_view p, size_t i) { return i + 1 < p.size() && p[i] == '*' && p[i + 1] == '*'; }
bool star1(std::string_view p, size_t i) { return i < p.size() && p[i] == '*' && !star2(p, i); }

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

// A search over pairs of positions, both patterns read in step: the product automaton.
struct PairSearch {
  std::string_view a, b;
  std::vector<bool> seen;
  std::vector<std::pair<size_t, size_t>> todo;
  PairSearch(std::string_view a, std::string_view b)
      : a(a), b(b), seen((a.size() + 1) * (b.size() + 1), false) {}
  void push(size_t i, size_t j) {
    size_t k = i * (b.size() + 1) + j;
    if (!seen[k]) seen[k] = true, todo.emplace_back(i, j);
  }
};

}  // namespace

std::string_view glob_prefix(std::string_view pattern) {
  return pattern.substr(0, std::min(pattern.find('*'), pattern.size()));
}

bool globs_overlap(std::string_view a, std::string_view b) {
  PairSearch s(a, b);
  s.push(0, 0);
  while (!s.todo.empty()) {
    // Plain variables, not a structured binding: lambdas below capture them (C++20 allows
    // capturing bindings, clang 14 does not).
    const size_t i = s.todo.back().first, j = s.todo.back().second;
    s.todo.pop_back();
    if (i == a.size() && j == b.size()) return true;
    skips(a, i, [&](size_t ni) { s.push(ni, j); });
    skips(b, j, [&](size_t nj) { s.push(i, nj); });
    bool sa = star1(a, i) || star2(a, i), sb = star1(b, j) || star2(b, j);
    if (i < a.size() && j < b.size()) {
      if (!sa && !sb && a[i] == b[j]) s.push(i + 1, j + 1);
      // A star stays where it is while the other side consumes a literal it accepts.
      if (sa && !sb && (star2(a, i) || b[j] != '/')) s.push(i, j + 1);
      if (sb && !sa && (star2(b, j) || a[i] != '/')) s.push(i + 1, j);
    }
  }
  return false;
}

bool glob_within(std::string_view inner, std::string_view outer) {
  PairSearch s(inner, outer);
  s.push(0, 0);
  auto token_len = [&](size_t i) { return star2(inner, i) ? 2 : 1; };
  while (!s.todo.empty()) {
    // Plain variables, not a structured binding: lambdas below capture them (C++20 allows
    // capturing bindings, clang 14 does not).
    const size_t i = s.todo.back().first, j = s.todo.back().second;
    s.todo.pop_back();
    if (i == inner.size() && j == outer.size()) return true;
    skips(outer, j, [&](size_t nj) { s.push(i, nj); });
    if (i >= inner.size() || j >= outer.size()) continue;
    if (star2(outer, j)) {
      s.push(i + token_len(i), j);  // covers anything, wildcards included
    } else if (star1(outer, j)) {
      if (star1(inner, i) || (!star2(inner, i) && inner[i] != '/')) s.push(i + 1, j);
    } else if (!star1(inner, i) && !star2(inner, i) && inner[i] == outer[j]) {
      s.push(i + 1, j + 1);
    }
  }
  return false;
}

bool glob_matches(std::string_view pattern, std::string_view path) {
  // Its own search rather than globs_overlap with the path as a pattern: a path may hold a
  // literal `*`, and `**/` may vanish only where a segment starts (else `src/**/x.c` would
  // match `src/ax.c`, a `**` eating `a` and the slash vanishing after it).
  PairSearch s(pattern, path);
  s.push(0, 0);
  while (!s.todo.empty()) {
    const size_t i = s.todo.back().first, j = s.todo.back().second;
    s.todo.pop_back();
    if (i == pattern.size() && j == path.size()) return true;
    const bool at_segment = j == 0 || path[j - 1] == '/';
    if (star2(pattern, i)) {
      s.push(i + 2, j);
      if (i + 2 < pattern.size() && pattern[i + 2] == '/' && at_segment) s.push(i + 3, j);
      if (j < path.size()) s.push(i, j + 1);
    } else if (star1(pattern, i)) {
      s.push(i + 1, j);
      if (j < path.size() && path[j] != '/') s.push(i, j + 1);
    } else if (i < pattern.size() && j < path.size() && pattern[i] == path[j]) {
      s.push(i + 1, j + 1);
    }
  }
  return false;
}

}  // namespace flow

#include "compiler/unified_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace flow {

namespace {

struct Lines {
  std::vector<std::string_view> lines;
  bool last_has_newline = true;
};

Lines split(std::string_view text) {
  Lines l;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      l.lines.push_back(text.substr(start));
      l.last_has_newline = false;
      break;
    }
    l.lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return l;
}

// Equal lines, where a last line without a newline differs from the same text with one.
bool same(const Lines& a, size_t i, const Lines& b, size_t j) {
  bool a_open = i + 1 == a.lines.size() && !a.last_has_newline;
  bool b_open = j + 1 == b.lines.size() && !b.last_has_newline;
  return a.lines[i] == b.lines[j] && a_open == b_open;
}

struct Op {
  char kind;  // ' ', '-' or '+'
  size_t old_line, new_line;  // 0-based, of the line this op shows
};

// Longest common subsequence of the lines between the common prefix and suffix. Beyond a
// few million cells the middle is shown as removed then added: still a correct diff.
void diff_middle(const Lines& a, const Lines& b, size_t lo, size_t a_hi, size_t b_hi,
                 std::vector<Op>* ops) {
  size_t n = a_hi - lo, m = b_hi - lo;
  constexpr size_t kMaxCells = size_t{4} << 20;
  if (n == 0 || m == 0 || (n + 1) * (m + 1) > kMaxCells) {
    for (size_t i = 0; i < n; ++i) ops->push_back({'-', lo + i, lo});
    for (size_t j = 0; j < m; ++j) ops->push_back({'+', a_hi, lo + j});
    return;
  }
  // common[i][j]: LCS length of a[lo+i..a_hi) and b[lo+j..b_hi).
  std::vector<uint32_t> common((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return common[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = same(a, lo + i, b, lo + j) ? at(i + 1, j + 1) + 1
                                            : std::max(at(i + 1, j), at(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && same(a, lo + i, b, lo + j)) {
      ops->push_back({' ', lo + i++, lo + j++});
    } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
      ops->push_back({'-', lo + i++, lo + j});
    } else {
      ops->push_back({'+', lo + i, lo + j++});
    }
  }
}

std::vector<Op> edit_script(const Lines& a, const Lines& b) {
  size_t n = a.lines.size(), m = b.lines.size();
  size_t lo = 0;
  while (lo < n && lo < m && same(a, lo, b, lo)) ++lo;
  size_t suffix = 0;
  while (suffix < n - lo && suffix < m - lo && same(a, n - 1 - suffix, b, m - 1 - suffix))
    ++suffix;
  std::vector<Op> ops;
  for (size_t k = 0; k < lo; ++k) ops.push_back({' ', k, k});
  diff_middle(a, b, lo, n - suffix, m - suffix, &ops);
  for (size_t k = suffix; k > 0; --k) ops.push_back({' ', n - k, m - k});
  return ops;
}

std::string show(const Op& op, const Lines& a, const Lines& b) {
  bool old_side = op.kind != '+';
  const Lines& l = old_side ? a : b;
  size_t line = old_side ? op.old_line : op.new_line;
  std::string out = fmt::format("{}{}\n", op.kind, l.lines[line]);
  if (line + 1 == l.lines.size() && !l.last_has_newline) out += "\\ No newline at end of file\n";
  return out;
}

// "3,2": where a hunk starts and how many lines it spans. As in diff -u, an empty side names
// the line before it, and a count of one is left out.
std::string range(size_t first, size_t count) {
  if (count == 1) return fmt::format("{}", first + 1);
  return fmt::format("{},{}", count == 0 ? first : first + 1, count);
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view old_label, std::string_view new_label) {
  if (before == after) return {};
  Lines a = split(before), b = split(after);
  std::vector<Op> ops = edit_script(a, b);
  constexpr size_t kContext = 3;
  std::string out = fmt::format("--- {}\n+++ {}\n", old_label, new_label);
  size_t k = 0;
  while (true) {
    while (k < ops.size() && ops[k].kind == ' ') ++k;
    if (k == ops.size()) break;
    size_t begin = k >= kContext ? k - kContext : 0, last_change = k;
    // Changes less than two contexts apart share a hunk, as in diff -u.
    for (size_t x = k + 1; x < ops.size() && x - last_change <= 2 * kContext + 1; ++x)
      if (ops[x].kind != ' ') last_change = x;
    size_t end = std::min(ops.size(), last_change + 1 + kContext);
    size_t old_count = 0, new_count = 0;
    for (size_t x = begin; x < end; ++x) {
      old_count += ops[x].kind != '+';
      new_count += ops[x].kind != '-';
    }
    out += fmt::format("@@ -{} +{} @@\n", range(ops[begin].old_line, old_count),
                       range(ops[begin].new_line, new_count));
    for (size_t x = begin; x < end; ++x) out += show(ops[x], a, b);
    k = end;
  }
  return out;
}

}  // namespace flow

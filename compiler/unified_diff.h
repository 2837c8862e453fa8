#pragma once
// A unified diff between two texts, as `diff -u` prints it, for `flowc fmt --check`.
#include <string>
#include <string_view>

namespace flow {

// The hunks that turn `before` into `after`, with 3 lines of context, under `--- OLD_LABEL`
// and `+++ NEW_LABEL` lines; "" when the texts are equal. A last line without a newline is
// marked `\ No newline at end of file`. Deterministic: the same texts give the same bytes.
std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view old_label, std::string_view new_label);

}  // namespace flow

#pragma once
// The items a step chooses for a fan-out over its answer (`AGENT over STEP up to N`). The
// protocol (docs/runtime.md, "Chosen items"): every line that reads `ITEM: text` is one item,
// in order; prose around them is ignored; the markdown that a verdict line may carry (quote,
// heading and list markers, emphasis) is accepted too. No item line is an empty list.
#include <string>
#include <vector>

namespace flow::rt {

struct ChosenItems {
  bool ok = false;
  std::vector<std::string> items;
  std::string error;  // when !ok: what is wrong, with the line number
};

inline constexpr size_t kMaxItemBytes = 1000;

// Items of `answer`, at most `cap` of them. An `ITEM:` line without text, an item longer than
// kMaxItemBytes, the same item twice, or more than `cap` items is an error.
ChosenItems parse_items(const std::string& answer, int cap);

}  // namespace flow::rt

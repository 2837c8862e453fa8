#include "runtime/backends/prices.h"

namespace flow::rt {

// Public list prices per million tokens (input, output, cache read, cache write), from the
// providers' price pages as published in 2026; docs/config.md gives the date. OpenAI bills no
// separate cache write.
const PriceTable& default_prices() {
  static const PriceTable table = {
      {"claude-opus-4-6", {5, 25, 0.50, 6.25}},
      {"claude-opus-4-5", {5, 25, 0.50, 6.25}},
      {"claude-opus-4-1", {15, 75, 1.50, 18.75}},
      {"claude-opus-4", {15, 75, 1.50, 18.75}},
      {"claude-sonnet-4-6", {3, 15, 0.30, 3.75}},
      {"claude-sonnet-4-5", {3, 15, 0.30, 3.75}},
      {"claude-sonnet-4", {3, 15, 0.30, 3.75}},
      {"claude-3-7-sonnet", {3, 15, 0.30, 3.75}},
      {"claude-haiku-4-5", {1, 5, 0.10, 1.25}},
      {"claude-3-5-haiku", {0.80, 4, 0.08, 1}},
      {"gpt-5", {1.25, 10, 0.125, 0}},
      {"gpt-5-mini", {0.25, 2, 0.025, 0}},
      {"gpt-5-nano", {0.05, 0.40, 0.005, 0}},
      {"gpt-4.1", {2, 8, 0.50, 0}},
      {"gpt-4.1-mini", {0.40, 1.60, 0.10, 0}},
      {"gpt-4.1-nano", {0.10, 0.40, 0.025, 0}},
      {"gpt-4o", {2.50, 10, 1.25, 0}},
      {"gpt-4o-mini", {0.15, 0.60, 0.075, 0}},
      {"o1", {15, 60, 7.50, 0}},
      {"o3", {2, 8, 0.50, 0}},
      {"o3-mini", {1.10, 4.40, 0.55, 0}},
      {"o4-mini", {1.10, 4.40, 0.275, 0}},
  };
  return table;
}

namespace {

// The entry for `model` in one table: exact, or the longest key followed by '-'.
const ModelPrice* lookup(const PriceTable& table, const std::string& model) {
  if (auto it = table.find(model); it != table.end()) return &it->second;
  const ModelPrice* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, price] : table)
    if (key.size() > best_len && model.size() > key.size() && model.compare(0, key.size(), key) == 0 &&
        model[key.size()] == '-') {
      best = &price;
      best_len = key.size();
    }
  return best;
}

}  // namespace

std::optional<ModelPrice> find_price(const PriceTable& overrides, const std::string& model) {
  // An exact override wins over a built-in prefix, and a built-in exact entry over an
  // override's prefix: the most specific entry of either table.
  if (auto it = overrides.find(model); it != overrides.end()) return it->second;
  if (auto it = default_prices().find(model); it != default_prices().end()) return it->second;
  if (const ModelPrice* p = lookup(overrides, model)) return *p;
  if (const ModelPrice* p = lookup(default_prices(), model)) return *p;
  return std::nullopt;
}

double call_cost(const ModelPrice& p, int64_t in, int64_t out, int64_t cache_read, int64_t cache_write) {
  return (static_cast<double>(in) * p.input + static_cast<double>(out) * p.output +
          static_cast<double>(cache_read) * p.cache_read + static_cast<double>(cache_write) * p.cache_write) /
         1e6;
}

}  // namespace flow::rt

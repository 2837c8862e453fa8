#pragma once
// What model calls cost for the backends that talk to a model API themselves (`anthropic`,
// `openai`): a price per million tokens for each kind of token, from a built-in table of
// public models (docs/config.md says when it was taken) that `prices:` in flow.yaml extends
// and overrides.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace flow::rt {

// US dollars per million tokens.
struct ModelPrice {
  double input = 0, output = 0, cache_read = 0, cache_write = 0;
};

using PriceTable = std::map<std::string, ModelPrice>;  // model name (or prefix) → price

// The built-in prices of current public Anthropic and OpenAI models.
const PriceTable& default_prices();

// The price of `model`: an exact entry, else the longest entry that `model` starts with
// followed by '-' (so "claude-sonnet-4-5-20250929" takes "claude-sonnet-4-5"). `overrides`
// win over the built-in table. nullopt when the model is unknown: its cost is unknown.
std::optional<ModelPrice> find_price(const PriceTable& overrides, const std::string& model);

double call_cost(const ModelPrice& price, int64_t input_tokens, int64_t output_tokens,
                 int64_t cache_read_tokens, int64_t cache_write_tokens);

}  // namespace flow::rt

#pragma once
// Errors inside an agent block that the parser would not report: after the first error it
// starts again at the next statement, so the other misspelled fields of the same block went
// unseen. A light scan of the block's text finds them (every field begins with its name), and
// tells a missing comma in a list field (`tools Read Write`) from an unknown field.
#include <cstdint>
#include <string_view>
#include <vector>

namespace flow {

struct FieldError {
  uint32_t begin = 0, end = 0;  // the offending word
  std::string_view word;
};

// The fields an agent block may hold (grammar.h's field_*_kw).
const std::vector<std::string_view>& agent_field_names();

// The words that begin a field of the agent block holding `error_at` and are no field name,
// after `error_at` (the error already reported). The block is found from `statement_begin`
// (an `agent NAME <` statement); strings and comments are skipped whole. Empty when the
// statement is no agent block.
std::vector<FieldError> unknown_fields_after(std::string_view text, uint32_t statement_begin,
                                             uint32_t error_at);

// When the unknown word at `at` continues a list field on the same line (`tools Read Write`),
// the field's name ("tools"); else "". Such a word is an item with its comma missing.
std::string_view list_field_before(std::string_view text, uint32_t at);

}  // namespace flow

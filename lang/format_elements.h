#pragma once
// The parts of a .flow source the formatter indents by: statements, agent fields and steps
// (lang/format.cc). Found by running the grammar itself, so the layout follows exactly what
// the parser sees.
#include <cstdint>
#include <string_view>
#include <vector>

namespace flow::format {

struct Element {
  uint32_t begin = 0;
  uint32_t end = 0;  // as matched, with the whitespace and comments after it
};

// Every statement, agent field and step of `text` (which must parse cleanly), nested ones
// included, in no particular order. False when the grammar refuses the text after all.
bool find_elements(std::string_view text, uint32_t from, std::vector<Element>* elements);

}  // namespace flow::format

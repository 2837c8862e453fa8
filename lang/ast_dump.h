#pragma once
// Every field and span of a parse as text, so that two parses can be compared whole (the
// split parse against one pass, in lang/parse_split_test.cc and the fuzz target).
#include <string>

#include "lang/parser.h"

namespace flow {

// The tree and the diagnostics.
std::string dump_parse(const ParseResult& result);

}  // namespace flow

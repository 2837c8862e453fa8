#pragma once
// The list of syntax error kinds, for `flowc explain` and the compiler's diagnostic registry.
// Apart from lang/syntax_errors.h so that its readers do not compile PEGTL and the grammar.
#include <string_view>
#include <vector>

namespace flow {

// One kind of syntax error.
struct SyntaxErrorKind {
  std::string_view code;
  std::string_view title;        // one line
  std::string_view explanation;  // a paragraph, with a wrong and a right example
};

const std::vector<SyntaxErrorKind>& syntax_error_kinds();

}  // namespace flow

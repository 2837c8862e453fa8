#include "lang/format_elements.h"

#include <tao/pegtl.hpp>

#include "lang/grammar.h"

namespace flow::format {

namespace {

namespace pegtl = tao::pegtl;

struct Found {
  const char* base = nullptr;
  std::vector<Element>* elements = nullptr;
};

template <typename Rule>
struct record : pegtl::nothing<Rule> {};

// Actions run only when their rule succeeded, and every rule below is committed once it
// succeeds in a file that parses, so each range recorded is a real element.
struct record_range {
  template <typename In>
  static void apply(const In& in, Found& found) {
    found.elements->push_back({static_cast<uint32_t>(in.begin() - found.base),
                               static_cast<uint32_t>(in.end() - found.base)});
  }
};
template <> struct record<grammar::statement> : record_range {};
template <> struct record<grammar::agent_field> : record_range {};
template <> struct record<grammar::step> : record_range {};

}  // namespace

bool find_elements(std::string_view text, uint32_t from, std::vector<Element>* elements) {
  Found found{text.data(), elements};
  pegtl::memory_input<pegtl::tracking_mode::lazy> in(text.data() + from,
                                                      text.data() + text.size(), "");
  try {
    return pegtl::parse<grammar::file, record>(in, found);
  } catch (const pegtl::parse_error&) {
    return false;
  }
}

}  // namespace flow::format

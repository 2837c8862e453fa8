#pragma once
// The PEGTL action template the parse_actions*.h headers specialize, and the macros they write
// it with. Each of those headers includes this one, so each compiles on its own.
#include <tao/pegtl.hpp>

#include "lang/grammar.h"
#include "lang/parse_state.h"

namespace flow::actions {

namespace g = grammar;

template <typename Rule>
struct action : tao::pegtl::nothing<Rule> {};

}  // namespace flow::actions

// FLOW_ACTION(rule) { body } FLOW_END specializes action<grammar::rule> with an apply() that
// sees the matched input as `in` and the state as `st`; FLOW_ACTION0 is the same without the
// input (PEGTL's apply0). They only save the boilerplate of ~70 specializations. Used inside
// namespace flow::actions by the parse_actions*.h headers, which only lang/parser.cc includes.
#define FLOW_ACTION(rule)   \
  template <>               \
  struct action<g::rule> {  \
    template <typename In>  \
    static void apply(const In& in, ParseState& st)
#define FLOW_ACTION0(rule) \
  template <>               \
  struct action<g::rule> {  \
    static void apply0(ParseState& st)
#define FLOW_END \
  }              \
  ;

#pragma once
// What the actions build while one statement is parsed, and the error being raised. The
// parser (lang/parser.cc) resets the scratch part before each statement, so a statement that
// fails half-way leaves nothing behind in the file's AST.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tao/pegtl.hpp>

#include "lang/ast.h"
#include "lang/source.h"
#include "lang/syntax_errors.h"

namespace flow {

struct PendingError {
  const syntax::ErrorText* text = nullptr;
  uint32_t offset = 0;           // where the caret goes
  std::optional<uint32_t> end;   // end of the span when the reporter knows it
  bool from_grammar = false;     // raised by a must<> (the caret goes under what was found)
  std::string detail;            // fills `{}` in the message
  std::optional<uint32_t> open;  // the unclosed `<`, `[`, `"` or `"""` the message refers to
  std::optional<Span> earlier;   // for `flow` twice: the first header
};

struct ParseState {
  const SourceMap* sources;
  uint32_t file_id;
  const char* base;  // first byte of the file; offsets are measured from here
  ast::File* out;    // where finished statements go

  PendingError error;
  uint32_t statement_begin = 0;
  int statements_seen = 0;
  uint32_t last_token_end = 0;  // end of the last token, before the whitespace after it
  int depth = 0;                // blocks currently open
  mutable uint32_t line_hint = 0;  // for span(): the line (0-based) of the last position found

  // Values the leaf rules leave for the rule around them.
  ast::Ident ident;
  ast::String str;
  ast::Condition cond;  // the `when` condition being read
  std::string buf;  // the "..." string being read, escapes processed
  uint32_t string_open = 0;
  bool in_string = false;  // between a string's quotes: errors there describe single characters
  ast::Integer integer;
  bool disallowing = false;  // tool names go to `disallowed-tools`, not `tools`
  std::vector<ast::String> list;
  Span list_span;
  uint32_t list_open = 0;
  std::optional<ast::String> question;  // after `approve`
  bool review_each = false;
  bool check_verdict = false;  // `check verdict` rather than `check "COMMAND"`
  std::optional<ast::BlockKind> pending_block;  // `parallel`/`sequence` seen, `<` not yet
  std::vector<uint32_t> opens;                  // offsets of the `<` not yet closed
  std::vector<ast::Step> steps;                 // the step being built and its enclosing blocks

  // The statement being built.
  ast::FlowDecl flow;
  ast::InputDecl input;
  ast::UseDecl use;
  ast::AgentDecl agent;
  ast::AgentsDecl agents;
  ast::StageDecl stage;
  ast::RuleDecl rule;

  ParseState(const SourceMap& s, uint32_t id, ast::File& f)
      : sources(&s), file_id(id), base(s.file(id).text.data()), out(&f) {}

  uint32_t offset(const char* p) const { return static_cast<uint32_t>(p - base); }
  // Spans are asked for in nearly increasing order: the line found last is where the next
  // search starts.
  Span span(uint32_t begin, uint32_t end) const {
    const SourceFile& f = sources->file(file_id);
    SourcePos b = f.pos_at(begin, &line_hint);
    return Span{file_id, b, f.pos_at(end, &line_hint)};
  }
  // Exactly the text a rule matched.
  template <typename ActionInput>
  Span span_of(const ActionInput& in) const {
    return span(offset(in.begin()), offset(in.end()));
  }
  // From `begin` to the end of the last token read.
  Span span_from(const char* begin) const { return span(offset(begin), last_token_end); }

  void begin_statement(uint32_t at) {
    int seen = statements_seen;
    uint32_t hint = line_hint;
    *this = ParseState(*sources, file_id, *out);
    line_hint = hint;
    statement_begin = at;
    last_token_end = at;
    statements_seen = seen;
  }

  // Called by syntax::control when a must<> fails.
  void record_error(const syntax::ErrorText& text, const char* at) {
    error = PendingError{};
    error.text = &text;
    error.offset = offset(at);
    error.from_grammar = true;
    switch (text.opener) {
      case syntax::Opener::None: break;
      case syntax::Opener::Block:
        if (!opens.empty()) error.open = opens.back();
        break;
      case syntax::Opener::List: error.open = list_open; break;
      case syntax::Opener::String: error.open = string_open; break;
    }
  }

  // Reports an error found by an action, under [begin, end).
  template <typename Check>
  [[noreturn]] void fail(uint32_t begin, uint32_t end, std::string detail = {},
                         std::optional<Span> earlier = {}) {
    static_assert(!syntax::error_message<Check>.code.empty());
    error = PendingError{};
    error.text = &syntax::error_message<Check>;
    error.offset = begin;
    error.end = end;
    error.detail = std::move(detail);
    error.earlier = earlier;
    throw tao::pegtl::parse_error(std::string(error.text->message),
                                  tao::pegtl::position(begin, 1, 1, "flow"));
  }
};

}  // namespace flow

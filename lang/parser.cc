// The lang/ boundary (lang/parser.h): runs the grammar one statement at a time, turns PEGTL's
// parse_error into Diagnostics, and recovers by skipping to the next statement keyword.
#include "lang/parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include <fmt/format.h>
#include <tao/pegtl.hpp>

#include "lang/grammar.h"
#include "lang/parse_actions.h"
#include "lang/parse_state.h"
#include "lang/read_file.h"
#include "lang/suggest.h"
#include "lang/field_errors.h"
#include "lang/syntax_errors.h"
#include "lang/text.h"

namespace flow {

namespace pegtl = tao::pegtl;

namespace {

using Input = pegtl::memory_input<pegtl::tracking_mode::lazy>;

template <typename Rule>
bool matches_at(std::string_view text, size_t at) {
  Input in(text.data() + at, text.data() + text.size(), "");
  return pegtl::parse<Rule>(in);
}

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

// What the input holds at `at`, for ", found ..." and for the caret's width.
struct Found {
  std::string what;
  uint32_t begin = 0, end = 0;
};

Found describe_found(std::string_view text, uint32_t at, bool in_string) {
  if (at >= text.size()) {
    // Point just past the last visible byte rather than at an empty line after it.
    size_t last = text.find_last_not_of(" \t\r\n");
    uint32_t p = last == std::string_view::npos ? 0 : static_cast<uint32_t>(last + 1);
    return {"end of file", p, p};
  }
  unsigned char c = text[at];
  if (c == '\n' || c == '\r') return {"end of line", at, at};
  if (c == ' ' || c == '\t') return {c == ' ' ? "a space" : "a tab", at, at + 1};
  if (c == '"' && !in_string) {
    if (text.substr(at, 3) == "\"\"\"") return {"a `\"\"\"` string", at, at + 3};
    return {"a string", at, at + 1};
  }
  if (is_word_byte(c) && !in_string) {
    uint32_t e = at;
    while (e < text.size() && is_word_byte(text[e])) ++e;
    std::string word(text.substr(at, std::min<uint32_t>(e - at, 40)));
    if (e - at > 40) word += "...";
    bool keyword = matches_at<pegtl::seq<grammar::reserved, pegtl::eof>>(text.substr(0, e), at);
    return {fmt::format("{}`{}`", keyword ? "keyword " : "", word), at, e};
  }
  size_t n = text::utf8_length(text, at);
  if (n == 0 || c < 0x20 || c == 0x7f) return {fmt::format("byte 0x{:02X}", c), at, at + 1};
  return {fmt::format("`{}`", text.substr(at, n)), at, static_cast<uint32_t>(at + n)};
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size()))
    s.replace(i, from.size(), to);
}

uint32_t skip_space(std::string_view text, uint32_t at) {
  Input in(text.data() + at, text.data() + text.size(), "");
  (void)pegtl::parse<grammar::sep>(in);
  return static_cast<uint32_t>(in.current() - text.data());
}

// The name or number around `at` (an error inside a word reports the whole word).
Found word_around(std::string_view text, uint32_t at) {
  uint32_t b = std::min<uint32_t>(at, text.size()), e = b;
  while (b > 0 && is_word_byte(text[b - 1])) --b;
  while (e < text.size() && is_word_byte(text[e])) ++e;
  std::string word(text.substr(b, std::min<uint32_t>(e - b, 40)));
  if (e - b > 40) word += "...";
  return {word, b, e};
}

// When only whitespace and comments lie between the last token and the offending one, and
// they cross a line end, the caret goes right after the last token: that is where something
// is missing, and the line the user is looking at.
uint32_t caret_offset(const ParseState& st, std::string_view text, uint32_t at) {
  uint32_t last = st.last_token_end;
  if (last >= at || at > text.size()) return at;
  if (skip_space(text, last) != at) return at;
  if (at < text.size() && text.substr(last, at - last).find('\n') == std::string_view::npos)
    return at;
  return last;
}

// A word that begins a field of an agent block and is no field name: an item of the list
// field before it whose comma is missing (`tools Read Write`, E0014), or an unknown field
// (E0018) with the closest field name.
void unknown_field(std::string_view text, uint32_t begin, uint32_t end, Diagnostic* d) {
  std::string_view word = text.substr(begin, end - begin);
  std::string_view list = list_field_before(text, begin);
  if (!list.empty()) {
    d->code = "E0014";
    d->message = fmt::format("expected `,` before `{}`: the entries of `{}` are separated by "
                             "commas", word, list);
    std::string_view before = text.substr(0, begin);
    before = before.substr(0, before.find_last_not_of(" \t") + 1);
    size_t start = before.rfind(list);
    d->help = fmt::format("write `{}, {}`", before.substr(start), word);
    return;
  }
  const syntax::ErrorText& e = syntax::error_message<grammar::unknown_field>;
  d->code = std::string(e.code);
  d->message = fmt::format("unknown agent field `{}`", word);
  std::string near = closest_name(word, agent_field_names());
  d->help = near.empty() ? std::string(e.help) : fmt::format("did you mean `{}`? {}", near, e.help);
}

Diagnostic to_diagnostic(const ParseState& st, const SourceFile& f) {
  const PendingError& e = st.error;
  std::string_view text = f.text;
  Diagnostic d;
  d.code = std::string(e.text->code);
  d.help = std::string(e.text->help);
  std::string msg(e.text->message);
  if (e.open) {
    SourcePos open = f.pos_at(*e.open);
    replace_all(msg, "{open}", fmt::format("{}:{}", open.line, open.col));
    uint32_t width = text.substr(*e.open, 3) == "\"\"\"" ? 3 : 1;
    d.secondary.push_back(Label{st.span(*e.open, *e.open + width), "opened here"});
  }
  if (e.earlier) d.secondary.push_back(Label{*e.earlier, "the first one is here"});
  replace_all(msg, "{}", e.detail);

  Found found = describe_found(text, e.offset, st.in_string);
  bool placed = false;  // the message itself says what was found
  if (msg.find("{char}") != std::string::npos) {
    bool at_char = e.offset < text.size() && text[e.offset] != '\n';
    size_t n = at_char ? text::utf8_length(text, e.offset) : 0;
    replace_all(msg, "{char}", text.substr(std::min<size_t>(e.offset, text.size()), n));
    placed = true;
  }
  if (msg.find("{word}") != std::string::npos) {
    found = word_around(text, e.offset);
    replace_all(msg, "{word}", found.what);
    placed = true;
  }
  if (msg.find("{found}") != std::string::npos) {
    replace_all(msg, "{found}", found.what);
    placed = true;
  }
  if (e.from_grammar && !placed) {
    msg += ", found " + found.what;
    uint32_t caret = caret_offset(st, text, e.offset);
    if (caret != e.offset) {
      found.begin = found.end = caret;
    } else if (e.text->code == "E0003" && found.what.rfind("keyword ", 0) == 0) {
      // A keyword written where a name belongs (on the same line): say why it is refused.
      d.help = fmt::format("{} is reserved and cannot be used as a name", found.what.substr(8));
    }
  }
  d.message = std::move(msg);
  d.span = e.end ? st.span(e.offset, *e.end) : st.span(found.begin, found.end);
  if (e.text->code == "E0018") unknown_field(text, found.begin, found.end, &d);
  return d;
}

constexpr uint32_t kNotStage = UINT32_MAX;

// `stage s a retry 2`: where a statement was expected, a word close to one of a step's own
// words (its gates and modifiers) is that word misspelled.
void misspelled_step_word(const ParseState& st, std::string_view text, Diagnostic* d) {
  static const std::vector<std::string_view> kStepWords = {
      "retries", "review", "check", "approve", "after", "uses", "when", "else", "back", "over", "each"};
  if (st.error.text != &syntax::error_message<grammar::statement> &&
      st.error.text != &syntax::error_message<syntax::check::after_stage>)
    return;
  Found w = word_around(text, st.error.offset);
  std::string near = closest_name(w.what, kStepWords);
  for (std::string_view k : kStepWords) {  // `retry` for `retries`: a long shared beginning
    size_t common = 0;
    while (common < k.size() && common < w.what.size() && k[common] == w.what[common]) ++common;
    if (near.empty() && common >= 4 && common + 2 >= w.what.size()) near = std::string(k);
  }
  if (!near.empty()) d->help = fmt::format("did you mean `{}`?", near);
}

using statement_start = pegtl::sor<grammar::kw_flow, grammar::kw_input, grammar::kw_use,
                                   grammar::kw_agents, grammar::kw_agent, grammar::kw_stage,
                                   grammar::kw_rule>;

// If the line starting at `p` begins with a statement keyword, its offset.
std::optional<uint32_t> statement_on_line(std::string_view text, size_t p) {
  size_t q = text.find_first_not_of(" \t\r", p);
  if (q == std::string_view::npos || !matches_at<statement_start>(text, q)) return std::nullopt;
  return static_cast<uint32_t>(q);
}

// Where to start again after an error: the next line whose first token is a statement
// keyword. The line holding the error counts when it starts after the failed statement (an
// unclosed block is reported at the next `stage`). Comments and strings on the way are
// skipped whole, so a prompt line that happens to start with `use` is not taken for a
// statement.
uint32_t resume_point(std::string_view text, uint32_t statement_begin, uint32_t error_at) {
  size_t n = text.size();
  size_t i = std::min<size_t>(error_at, n);
  size_t line = i == 0 ? std::string_view::npos : text.rfind('\n', i - 1);
  size_t line_start = line == std::string_view::npos ? 0 : line + 1;
  if (auto q = statement_on_line(text, line_start); q && *q > statement_begin) return *q;
  while (i < n) {
    char c = text[i];
    if (c == '\n') {
      if (auto q = statement_on_line(text, i + 1)) return *q;
      ++i;
    } else if (c == '#') {
      i = std::min(text.find('\n', i), n);
    } else if (text.substr(i, 3) == "\"\"\"") {
      size_t close = text.find("\"\"\"", i + 3);
      i = close == std::string_view::npos ? n : close + 3;
    } else if (c == '"') {
      for (++i; i < n && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\') ++i;
      if (i < n && text[i] == '"') ++i;
    } else {
      ++i;
    }
  }
  return static_cast<uint32_t>(n);
}

// Parses the statements from `pos` to the end of the text.
void parse_statements(ParseState& st, ParseResult& result, const SourceFile& f,
                      const std::vector<uint32_t>& bad_lines, uint32_t pos) {
  std::string_view text = f.text;
  uint32_t stage_end = kNotStage;  // where the last statement ended, if it was a stage
  while (pos < text.size()) {
    st.begin_statement(pos);
    ++st.statements_seen;
    size_t stages = result.file.stages.size();
    Input in(text.data() + pos, text.data() + text.size(), f.path);
    try {
      pegtl::parse<pegtl::must<grammar::statement>, actions::action, syntax::control>(in, st);
      pos = st.offset(in.current());
      stage_end = result.file.stages.size() > stages ? st.last_token_end : kNotStage;
    } catch (const pegtl::parse_error&) {
      if (!st.error.text) {  // every raise records its message; this is only a safety net
        st.error.text = &syntax::error_message<grammar::statement>;
        st.error.offset = pos;
        st.error.from_grammar = true;
      }
      // `stage plan planner critic`: the likely intent is two steps, so the help says how.
      if (st.error.text == &syntax::error_message<grammar::statement> &&
          stage_end != kNotStage && f.pos_at(stage_end).line == f.pos_at(st.error.offset).line)
        st.error.text = &syntax::error_message<syntax::check::after_stage>;
      stage_end = kNotStage;
      Diagnostic d = to_diagnostic(st, f);
      misspelled_step_word(st, text, &d);
      if (!std::binary_search(bad_lines.begin(), bad_lines.end(), d.span.begin.line))
        result.diagnostics.push_back(std::move(d));
      // The rest of an agent block is skipped from here: its other unknown fields are found
      // by a scan of its text, so that one check reports them all.
      for (const FieldError& fe : unknown_fields_after(text, pos, st.error.offset)) {
        Diagnostic more;
        more.span = st.span(fe.begin, fe.end);
        unknown_field(text, fe.begin, fe.end, &more);
        if (!std::binary_search(bad_lines.begin(), bad_lines.end(), more.span.begin.line))
          result.diagnostics.push_back(std::move(more));
      }
      pos = resume_point(text, pos, st.error.offset);
    }
  }
}

}  // namespace

ParseResult parse(const SourceMap& sources, uint32_t file_id) {
  ParseResult result;
  result.file.source = file_id;
  const SourceFile& f = sources.file(file_id);
  std::string_view text = f.text;
  ParseState st(sources, file_id, result.file);

  // Encoding errors first, one per line; syntax errors on those lines would only repeat them.
  std::vector<uint32_t> bad_lines;
  for (uint32_t at : text::encoding_errors(text)) {
    st.error = PendingError{};
    st.error.offset = at;
    st.error.end = at + 1;
    if (text[at] == '\0') {
      st.error.text = &syntax::error_message<syntax::check::nul_byte>;
    } else {
      st.error.text = &syntax::error_message<syntax::check::invalid_byte>;
      st.error.detail = fmt::format("{:02X}", static_cast<unsigned char>(text[at]));
    }
    result.diagnostics.push_back(to_diagnostic(st, f));
    bad_lines.push_back(f.pos_at(at).line);
  }

  // Some editors start UTF-8 files with a byte order mark; it carries no meaning here.
  uint32_t pos = skip_space(text, text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0);
  parse_statements(st, result, f, bad_lines, pos);

  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.span.begin.offset < b.span.begin.offset;
                   });
  return result;
}

bool is_name(std::string_view text) {
  pegtl::memory_input in(text.data(), text.size(), "name");
  try {
    return pegtl::parse<pegtl::seq<grammar::ident, pegtl::eof>>(in);
  } catch (const pegtl::parse_error&) {
    return false;  // `must<>` inside the rule raises on a name such as `code-`
  }
}

bool read_source(SourceMap& sources, const std::string& path, uint32_t& file_id,
                 std::string& error) {
  if (const std::string* text = sources.overlay_text(path)) {
    file_id = sources.add(path, *text);
    return true;
  }
  const bool from_stdin = path == "-";
  // Offsets are 32-bit; anything near that size is not a hand-written pipeline anyway.
  constexpr size_t kMaxSize = size_t{256} << 20;
  std::string data;
  if (!read_file(from_stdin ? "/dev/stdin" : path, &data, &error, kMaxSize)) return false;
  file_id = sources.add(from_stdin ? "<stdin>" : path, std::move(data));
  return true;
}

}  // namespace flow

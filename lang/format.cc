// `flowc fmt`'s layout (docs/language.md, "Layout"). The formatter works on the token stream
// rather than on the syntax tree: the tree has no comments, and keeping every token in place
// and only changing the whitespace between them cannot change what a file means. Line breaks
// stay where the author put them; each line is re-indented by the block structure, the
// spaces between tokens on a line are normalised, runs of blank lines are collapsed, and
// `"""` strings are kept as written.
#include "lang/format.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "lang/format_elements.h"
#include "lang/format_tokens.h"
#include "lang/parser.h"

namespace flow {

namespace {

using format::Element;
using format::Token;
using format::TokenKind;

constexpr uint32_t kIndent = 2;
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// An open `<` or `[`.
struct Context {
  int64_t open = -1;          // offset of the bracket (-1: the file itself)
  uint32_t item_indent = 0;   // where a line holding its next item starts
  uint32_t close_indent = 0;  // where a line starting with its closer starts
  bool pending = false;       // item_indent is the column of the token after the bracket
};

// A statement, field or step the current token is inside.
struct Active {
  uint32_t begin = 0, end = 0;
  // Indentation of the output line it began on, or, when it began after a bracket that does
  // not end its line, the column the lines inside that bracket line up at.
  uint32_t base_indent = 0;
};

class Layout {
 public:
  Layout(std::string_view text, uint32_t from, std::vector<Token> tokens,
         std::vector<Element> elements)
      : text_(text), from_(from), tokens_(std::move(tokens)), elements_(std::move(elements)) {
    contexts_.push_back(Context{});
  }

  std::string run() {
    for (i_ = 0; i_ < tokens_.size(); ++i_) place(tokens_[i_]);
    for (const Token& c : comments_) new_line(c, contexts_.back().item_indent);
    if (!out_.empty()) out_ += '\n';
    return out_;
  }

 private:
  void place(const Token& t) {
    while (active_.size() > 1 && active_.back().end <= t.begin) active_.pop_back();
    bool starts_line = i_ == 0 || t.newlines_before > 0;
    if (starts_line && t.kind == TokenKind::Comment) {
      comments_.push_back(t);  // indented like the code line after it
      return;
    }
    if (starts_line) {
      uint32_t indent = indent_of(t);
      uint32_t comment_indent = t.kind == TokenKind::Close ? contexts_.back().item_indent : indent;
      for (const Token& c : comments_) new_line(c, comment_indent);
      comments_.clear();
      new_line(t, indent);
    } else {
      out_ += space_before(t);
      emit(t);
    }
  }

  // Where a line starting with `t` starts.
  uint32_t indent_of(const Token& t) const {
    const Context& c = contexts_.back();
    if (t.kind == TokenKind::Close) return c.close_indent;
    const Active& e = active_.back();
    if (active_.size() == 1 || e.begin <= c.open) return c.item_indent;
    return e.base_indent + kIndent;  // a continuation of the element it is part of
  }

  void new_line(const Token& t, uint32_t indent) {
    if (!out_.empty()) {
      out_ += '\n';
      bool after_open = last_kind_ == TokenKind::Open;
      if (t.newlines_before > 1 && !after_open && t.kind != TokenKind::Close) out_ += '\n';
    }
    line_start_ = out_.size();
    line_indent_ = indent;
    out_.append(indent, ' ');
    emit(t);
  }

  std::string space_before(const Token& t) {
    const Token& prev = tokens_[i_ - 1];
    switch (t.kind) {
      case TokenKind::Comment: {
        uint32_t want = original_column(t.begin);
        uint32_t now = column();
        return std::string(want > now ? want - now : 1, ' ');
      }
      case TokenKind::Comma:
      case TokenKind::Semicolon:
      case TokenKind::Colon: return "";
      case TokenKind::Close:
        if (text_[t.begin] == ']') return "";
        break;
      default: break;
    }
    if (prev.kind == TokenKind::Open && text_[prev.begin] == '[') return "";
    return " ";
  }

  // The column the output has reached on its current line. Measured from where it was last
  // measured, so that a long line with many brackets is not measured over and over.
  uint32_t column() {
    if (measured_ < line_start_) {
      measured_ = line_start_;
      width_ = 0;
    }
    width_ += format::display_width(std::string_view(out_).substr(measured_), width_);
    measured_ = out_.size();
    return width_;
  }

  // The column `offset` had in the source, so that comments aligned there stay aligned.
  uint32_t original_column(uint32_t offset) const {
    size_t nl = text_.rfind('\n', offset);
    size_t start = nl == std::string_view::npos ? from_ : nl + 1;
    return format::display_width(text_.substr(start, offset - start));
  }

  void emit(const Token& t) {
    std::string_view s = text_.substr(t.begin, t.end - t.begin);
    Context& c = contexts_.back();
    if (c.pending) {
      c.item_indent = column();
      c.pending = false;
    }
    for (; next_element_ < elements_.size() && elements_[next_element_].begin <= t.begin;
         ++next_element_)
      active_.push_back({elements_[next_element_].begin, elements_[next_element_].end,
                         std::max(line_indent_, contexts_.back().item_indent)});
    if (t.kind == TokenKind::Comment) {
      out_.append(s.substr(0, s.find_last_not_of(" \t\r") + 1));
    } else if (t.kind == TokenKind::Raw) {
      emit_raw(s);
    } else {
      out_.append(s);
    }
    if (t.kind == TokenKind::Open) open(t);
    if (t.kind == TokenKind::Close && contexts_.size() > 1) contexts_.pop_back();
    last_kind_ = t.kind;
  }

  // The body of a """ string is kept byte for byte, except that CRLF line ends become LF,
  // as everywhere else (its value drops the CR anyway).
  void emit_raw(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
      out_ += s[i];
      if (s[i] == '\n') line_start_ = out_.size();
    }
    std::string_view line = std::string_view(out_).substr(line_start_);
    line_indent_ = format::display_width(line.substr(0, line.find_first_not_of(" \t")));
  }

  void open(const Token& t) {
    Context c;
    c.open = t.begin;
    c.close_indent = line_indent_;
    c.item_indent = line_indent_ + kIndent;
    // `agent x < description "..."` followed by lines: those line up after the bracket.
    if (i_ + 1 < tokens_.size()) {
      const Token& next = tokens_[i_ + 1];
      c.pending = next.newlines_before == 0 && next.kind != TokenKind::Comment;
    }
    contexts_.push_back(c);
  }

  std::string_view text_;
  uint32_t from_;
  std::vector<Token> tokens_;
  std::vector<Element> elements_;  // sorted by begin, outer first; ends trimmed
  size_t i_ = 0;                   // the token being placed
  size_t next_element_ = 0;
  std::vector<Context> contexts_;
  std::vector<Active> active_ = {Active{0, UINT32_MAX, 0}};  // the file itself at the bottom
  std::vector<Token> comments_;  // own-line comments waiting for the next code line
  std::string out_;
  size_t line_start_ = 0;    // where the current output line starts
  size_t measured_ = 0;      // column() has measured the output up to here
  uint32_t width_ = 0;       // and found the current line this wide
  uint32_t line_indent_ = 0;  // its indentation
  TokenKind last_kind_ = TokenKind::Comment;
};

// Element ends as matched include the comments after them; cut them back to the last token
// that is not a comment, so a comment line after a statement does not count as inside it.
void trim_and_sort(std::vector<Element>& elements, const std::vector<Token>& tokens) {
  for (Element& e : elements) {
    auto it = std::lower_bound(tokens.begin(), tokens.end(), e.end,
                               [](const Token& t, uint32_t end) { return t.begin < end; });
    while (it != tokens.begin() && (it - 1)->kind == TokenKind::Comment) --it;
    if (it != tokens.begin()) e.end = std::max(e.begin, (it - 1)->end);
  }
  std::sort(elements.begin(), elements.end(), [](const Element& a, const Element& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
}

std::string first_error(const ParseResult& r, const SourceMap& sources) {
  for (const Diagnostic& d : r.diagnostics) {
    if (d.severity != Severity::Error) continue;
    const std::string& path = sources.file(d.span.file).path;
    return fmt::format("{}:{}:{}: error[{}]: {}", path, d.span.begin.line, d.span.begin.col,
                       d.code, d.message);
  }
  return {};
}

}  // namespace

bool format_source(std::string_view source, std::string_view file_name, std::string* out,
                   std::string* error) {
  SourceMap sources;
  uint32_t id = sources.add(std::string(file_name), std::string(source));
  ParseResult parsed = parse(sources, id);
  if (has_errors(parsed.diagnostics)) {
    *error = first_error(parsed, sources);
    return false;
  }
  const bool bom = source.substr(0, 3) == kByteOrderMark;
  const uint32_t from = bom ? 3 : 0;
  std::vector<Token> tokens = format::tokenize(source, from);
  std::vector<Element> elements;
  if (!format::find_elements(source, from, &elements)) {
    *error = fmt::format("{}:1:1: error: the formatter could not read this file", file_name);
    return false;
  }
  trim_and_sort(elements, tokens);
  std::string text = Layout(source, from, std::move(tokens), std::move(elements)).run();
  *out = bom && !text.empty() ? std::string(kByteOrderMark) + text : std::move(text);
  return true;
}

}  // namespace flow

// textDocument/completion: what may be written at the cursor, judged from the words before
// it on its line (the buffer is usually incomplete while one types, so the tree cannot say).
#include <algorithm>
#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compiler/compile.h"
#include "compiler/lsp/features.h"

namespace flow::lsp {
namespace {

// LSP CompletionItemKind values.
constexpr int kField = 5, kVariable = 6, kClass = 7, kModule = 9, kValue = 12, kKeyword = 14,
              kFunction = 3;

// Plain arrays: nothing to construct when flowc starts for another command.
using Words = std::vector<std::string_view>;
constexpr std::string_view kStatementKeywords[] = {"flow",  "input", "use", "agent",
                                                   "agents", "stage", "rule"};
constexpr std::string_view kStepKeywords[] = {"run", "approve", "parallel", "sequence"};
constexpr std::string_view kModifierKeywords[] = {"as",     "after",   "uses",    "when",
                                                  "over",   "review",  "check",   "approve",
                                                  "retries", "else",   "back"};
constexpr std::string_view kAgentFields[] = {"description",     "model",     "tools",
                                             "disallowed-tools", "permission-mode",
                                             "max-turns",       "writes",    "role",
                                             "prompt"};

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '/';
}

// The words of `line` before the one being typed.
std::vector<std::string> words_before(std::string_view line) {
  size_t end = line.size();
  while (end > 0 && name_char(line[end - 1])) --end;  // the partial word
  std::vector<std::string> words;
  size_t i = 0;
  while (i < end) {
    while (i < end && !name_char(line[i])) ++i;
    size_t start = i;
    while (i < end && name_char(line[i])) ++i;
    if (i > start) words.emplace_back(line.substr(start, i - start));
  }
  return words;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool starts_with_word(std::string_view s, std::string_view word) {
  return s.substr(0, word.size()) == word &&
         (s.size() == word.size() || !name_char(s[word.size()]));
}

// Inside an `agent NAME <` block not yet closed by a line starting with `>`.
bool in_agent_block(const std::string& text, uint32_t line_start) {
  size_t end = line_start;  // one past the newline that ends the line above
  while (end > 0) {
    size_t newline = end - 1;
    size_t begin = newline == 0 ? std::string::npos : text.rfind('\n', newline - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    std::string_view line = trimmed(std::string_view(text).substr(begin, newline - begin));
    if (!line.empty() && line.front() == '>') return false;
    if (starts_with_word(line, "agent")) {
      size_t open = line.find('<');
      return open != std::string_view::npos && line.find('>', open) == std::string_view::npos;
    }
    for (std::string_view k : kStatementKeywords)
      if (starts_with_word(line, k)) return false;
    end = begin;
  }
  return false;
}

template <typename Labels>
void add(nlohmann::json& items, const Labels& labels, int kind, const char* detail) {
  for (const auto& l : labels)
    items.push_back({{"label", std::string(l)}, {"kind", kind}, {"detail", detail}});
}

void add_units(nlohmann::json& items, const Analysis& a) {
  add(items, a.index.names(SymbolKind::Stage), kModule, "stage");
  add(items, a.index.names(SymbolKind::Step), kFunction, "step");
  add(items, a.index.names(SymbolKind::Agent), kClass, "agent (its step)");
}

void agent_block_items(nlohmann::json& items, const std::string& prev, bool line_start) {
  if (prev == "model") add(items, Words{"opus", "sonnet", "haiku", "inherit"}, kValue, "model");
  else if (prev == "role") add(items, Words{"worker", "coordinator", "reviewer"}, kValue, "role");
  else if (prev == "permission-mode")
    add(items, Words{"default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan"},
        kValue, "permission mode");
  else if (line_start) add(items, kAgentFields, kField, "agent field");
}

}  // namespace

nlohmann::json completion(const Analysis& a, const Document& doc, uint32_t offset) {
  const std::string& text = doc.file.text;
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  size_t nl = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  uint32_t line_start = nl == std::string::npos ? 0 : static_cast<uint32_t>(nl + 1);
  std::vector<std::string> words =
      words_before(std::string_view(text).substr(line_start, offset - line_start));
  std::string prev = words.empty() ? "" : words.back();
  nlohmann::json items = nlohmann::json::array();
  if (in_agent_block(text, line_start)) {
    agent_block_items(items, prev, words.empty());
  } else if (prev == "use" && words.size() == 1) {
    add(items, stdlib_modules(a.load.stdlib_dir), kModule, "standard library module");
  } else if (prev == "review" || prev == "each" || prev == "by" ||
             (prev == "rule" && words.size() == 1)) {
    add(items, a.index.names(SymbolKind::Agent), kClass, "agent");
    if (prev == "review") add(items, Words{"each"}, kKeyword, "keyword");
    if (prev == "rule") add(items, Words{"every"}, kKeyword, "keyword");
  } else if (prev == "after" || prev == "uses" || prev == "to" || prev == "before") {
    add_units(items, a);
  } else if (prev == "when" || prev == "not" || prev == "over") {
    add(items, a.index.names(SymbolKind::Input), kVariable, "input");
    add_units(items, a);
  } else if (prev == "stage" || prev == "input" || prev == "agent" || prev == "flow" ||
             prev == "as") {
    // a new name is being written: nothing to offer
  } else if (words.empty()) {
    add(items, kStatementKeywords, kKeyword, "keyword");
    add(items, kStepKeywords, kKeyword, "keyword");
    add(items, kModifierKeywords, kKeyword, "keyword");
    add(items, a.index.names(SymbolKind::Agent), kClass, "agent");
  } else {
    add(items, kModifierKeywords, kKeyword, "keyword");
  }
  return {{"isIncomplete", false}, {"items", items}};
}

}  // namespace flow::lsp

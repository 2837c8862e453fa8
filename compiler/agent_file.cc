#include "compiler/agent_file.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iterator>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "compiler/diagnostic_registry.h"
#include "compiler/suggest.h"
#include "compiler/yaml_json.h"
#include "lang/text.h"

namespace flow {
namespace {

// The frontmatter fields Claude Code documents for subagents, in its documentation's order.
constexpr std::array<std::string_view, 16> kKnownKeys = {
    "name",   "description", "tools",      "disallowedTools", "model", "permissionMode",
    "maxTurns", "skills",    "mcpServers", "hooks",           "memory", "background",
    "effort", "isolation",   "color",      "initialPrompt"};

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool is_fence(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
    line.remove_suffix(1);
  return line == "---";
}

// Where the frontmatter sits in the file, in bytes.
struct Frontmatter {
  size_t begin = 0, end = 0;  // the YAML text, without the fences
  size_t body = 0;            // first byte after the closing fence's line
};

// Real-world files put `: ` and `#` inside plain one-line values, which strict YAML rejects or
// truncates. Claude Code reads such a line as "key: the rest of the line"; doing the same by
// single-quoting every top-level one-line plain value keeps line numbers unchanged.
std::string requote_plain_values(std::string_view yaml) {
  std::string out;
  size_t pos = 0;
  while (pos <= yaml.size()) {
    size_t nl = yaml.find('\n', pos);
    std::string_view line = yaml.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    size_t colon = line.find(": ");
    bool top_key = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' &&
                   line[0] != '-' && colon != std::string_view::npos &&
                   line.substr(0, colon).find_first_of(" \t\"'") == std::string_view::npos;
    if (top_key) {
      std::string value = trim(line.substr(colon + 2));
      bool plain = !value.empty() && std::string_view("\"'[{|>&*!%@`").find(value[0]) ==
                                         std::string_view::npos;
      if (plain) {
        std::string quoted;
        for (char c : value) quoted += c == '\'' ? std::string("''") : std::string(1, c);
        out += fmt::format("{}: '{}'", line.substr(0, colon), quoted);
      } else {
        out += line;
      }
    } else {
      out += line;
    }
    if (nl == std::string_view::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out;
}

// `key:` at the start of a line, as a top-level frontmatter field begins.
bool looks_like_field(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  if (colon + 1 < line.size() && line[colon + 1] != ' ' && line[colon + 1] != '\t' &&
      line[colon + 1] != '\r')
    return false;
  std::string_view key = line.substr(0, colon);
  if (!std::isalpha(static_cast<unsigned char>(key[0])) && key[0] != '_') return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// Where a quoted scalar opened at `open` ends: the byte after its closing quote, or npos.
// Double quotes take backslash escapes; in single quotes `''` is one quote.
size_t quoted_end(std::string_view yaml, size_t open) {
  char q = yaml[open];
  for (size_t i = open + 1; i < yaml.size(); ++i) {
    if (q == '"' && yaml[i] == '\\') ++i;
    else if (yaml[i] == q && q == '\'' && i + 1 < yaml.size() && yaml[i + 1] == '\'') ++i;
    else if (yaml[i] == q) return i + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<UnclosedQuote> find_unclosed_quote(std::string_view yaml) {
  size_t pos = 0;
  while (pos < yaml.size()) {
    size_t nl = std::min(yaml.find('\n', pos), yaml.size());
    std::string_view line = yaml.substr(pos, nl - pos);
    size_t next = nl + 1;
    if (looks_like_field(line)) {
      size_t colon = line.find(':');
      size_t v = line.find_first_not_of(" \t", colon + 1);
      if (v != std::string_view::npos && (line[v] == '"' || line[v] == '\'')) {
        size_t open = pos + v;
        size_t end = quoted_end(yaml, open);
        // The quote closes on a later line: the lines in between are part of the value, which
        // YAML allows, unless one of them is the next field.
        size_t scan = nl + 1;
        while (scan < std::min(end, yaml.size())) {
          size_t e = std::min(yaml.find('\n', scan), yaml.size());
          std::string_view inner = yaml.substr(scan, std::min(e, end) - scan);
          if (looks_like_field(inner))
            return UnclosedQuote{open, scan, std::string(line.substr(0, colon)),
                                 std::string(inner.substr(0, inner.find(':')))};
          scan = e + 1;
        }
        if (end == std::string_view::npos)
          return UnclosedQuote{open, std::string_view::npos, std::string(line.substr(0, colon)),
                               ""};
        if (end > nl) next = std::min(yaml.find('\n', end - 1), yaml.size()) + 1;
      }
    }
    pos = next;
  }
  return std::nullopt;
}

namespace {

struct Loader {
  const SourceMap& sources;
  uint32_t file_id;
  const SourceFile& file;
  Frontmatter fm;
  std::vector<Diagnostic>& diags;
  std::string* skipped;  // null: the file was named as an agent file, so every problem counts

  Span span_at(size_t offset, size_t length) const {
    size_t end = std::min(offset + std::max<size_t>(length, 1), file.text.size());
    return sources.span(file_id, static_cast<uint32_t>(offset), static_cast<uint32_t>(end));
  }
  // A span for a YAML mark (0-based line/column inside the frontmatter).
  Span span_of(const YAML::Mark& m, size_t length) const {
    if (m.is_null() || m.pos < 0) return span_at(0, 3);
    return span_at(std::min(fm.begin + static_cast<size_t>(m.pos), file.text.size()), length);
  }
  void report(DiagCode code, Span span, std::string message, std::string help = "") {
    Diagnostic d = make_diagnostic(code, span, std::move(message));
    d.help = std::move(help);
    diags.push_back(std::move(d));
  }

  bool find_frontmatter() {
    std::string_view text = file.text;
    size_t start = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;  // tolerate a UTF-8 BOM
    size_t nl = text.find('\n', start);
    if (!is_fence(text.substr(start, nl == std::string_view::npos ? nl : nl - start))) {
      if (skipped) {
        *skipped = "no frontmatter";
        return false;
      }
      report("E0111", span_at(start, 1), "agent file does not start with a `---` line",
             "a subagent file is `---`, YAML fields such as `name:` and `description:`, `---`, "
             "then the prompt");
      return false;
    }
    if (nl == std::string_view::npos) nl = text.size();
    fm.begin = std::min(nl + 1, text.size());
    size_t pos = fm.begin;
    while (pos < text.size()) {
      size_t e = text.find('\n', pos);
      size_t len = e == std::string_view::npos ? text.size() - pos : e - pos;
      if (is_fence(text.substr(pos, len))) {
        fm.end = pos;
        fm.body = e == std::string_view::npos ? text.size() : e + 1;
        return true;
      }
      pos = e == std::string_view::npos ? text.size() : e + 1;
    }
    report("E0111", span_at(start, 3), "agent frontmatter is never closed by a `---` line",
           "end the YAML fields with a line holding only `---`");
    return false;
  }

  // YAML lets a quoted value run on over several lines, so a missing closing quote quietly
  // turns the following fields into text; report it at the opening quote instead.
  bool check_quotes(std::string_view yaml) {
    std::optional<UnclosedQuote> q = find_unclosed_quote(yaml);
    if (!q) return true;
    char quote = yaml[q->open];
    Diagnostic d = make_diagnostic(
        "E0112", span_at(fm.begin + q->open, 1),
        q->swallowed_key.empty()
            ? fmt::format("the quoted value of `{}` is never closed", q->key)
            : fmt::format("the quoted value of `{}` is not closed before the next field `{}`",
                          q->key, q->swallowed_key));
    d.label = "opened here";
    if (!q->swallowed_key.empty())
      d.secondary.push_back({span_at(fm.begin + q->swallowed, q->swallowed_key.size()),
                             "this field would become part of the value"});
    d.help = fmt::format("close the value with {} on the line where it starts, or remove the "
                         "opening {}",
                         quote == '"' ? "`\"`" : "`'`", quote == '"' ? "`\"`" : "`'`");
    diags.push_back(std::move(d));
    return false;
  }

  bool parse_yaml(YAML::Node& root) {
    std::string yaml = file.text.substr(fm.begin, fm.end - fm.begin);
    if (!check_quotes(yaml)) return false;
    try {
      root = YAML::Load(yaml);
      return true;
    } catch (const YAML::Exception& strict) {
      try {
        root = YAML::Load(requote_plain_values(yaml));
        return true;
      } catch (const YAML::Exception&) {
        report("E0112", span_of(strict.mark, 1),
               fmt::format("malformed YAML in agent frontmatter: {}", strict.msg),
               "check the brackets and quotes on this line and the one before; quote a value "
               "that starts with a quote or a bracket");
        return false;
      }
    }
  }

  std::optional<std::string> scalar(const YAML::Node& key, const YAML::Node& value) {
    if (value.IsScalar()) return value.Scalar();
    report("E0114", span_of(key.Mark(), key.Scalar().size()),
           fmt::format("agent file field `{}` must be a string", key.Scalar()),
           "write the value on the same line, quoted if it holds special characters");
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> tool_list(const YAML::Node& key,
                                                    const YAML::Node& value) {
    if (value.IsScalar()) return split_tool_list(value.Scalar());
    if (value.IsSequence()) {
      std::vector<std::string> out;
      bool ok = true;
      // In `[Read, Agent(worker, researcher)]` YAML itself splits inside the parentheses;
      // a piece that leaves a `(` open is joined with the pieces that close it.
      int open = 0;
      for (const YAML::Node& item : value) {
        if (!item.IsScalar()) {
          ok = false;
          continue;
        }
        std::string piece = trim(item.Scalar());
        if (open > 0 && !out.empty()) out.back() += ", " + piece;
        else out.push_back(piece);
        for (char c : piece) open += c == '(' ? 1 : c == ')' && open > 0 ? -1 : 0;
      }
      if (ok) return out;
    }
    report("E0114", span_of(key.Mark(), key.Scalar().size()),
           fmt::format("agent file field `{}` must be a comma-separated string or a list of "
                       "strings",
                       key.Scalar()),
           fmt::format("write `{}: {}` or a YAML list of names", key.Scalar(),
                       key.Scalar() == "skills" ? "skill-a, skill-b" : "Read, Grep"));
    return std::nullopt;
  }

  // Everything read from the file ends up in JSON (the IR, diagnostics), which must be UTF-8.
  bool check_encoding() {
    std::vector<uint32_t> bad = text::encoding_errors(file.text);
    for (uint32_t at : bad)
      report("E0115", span_at(at, 1),
             file.text[at] == '\0'
                 ? std::string("NUL byte in agent file")
                 : fmt::format("invalid UTF-8 byte 0x{:02X} in agent file",
                               static_cast<unsigned char>(file.text[at])),
             "save the agent file as UTF-8");
    return bad.empty();
  }

  // A scalar field whose value must be one of `allowed`.
  template <size_t N>
  void choice(const YAML::Node& key, const YAML::Node& value, const char* const (&allowed)[N],
              std::string& field, bool& ok) {
    auto s = scalar(key, value);
    if (!s) {
      ok = false;
      return;
    }
    std::string v = trim(*s);
    if (std::find_if(std::begin(allowed), std::end(allowed),
                     [&](const char* a) { return v == a; }) != std::end(allowed)) {
      field = v;
      return;
    }
    std::vector<std::string_view> names(std::begin(allowed), std::end(allowed));
    report("E0116", span_of(value.Mark(), std::max<size_t>(v.size(), 1)),
           fmt::format("`{}` is not a value of agent file field `{}`", v, key.Scalar()),
           did_you_mean(v, names, fmt::format("write one of: {}", fmt::join(names, ", "))));
    ok = false;
  }

  // `mcpServers` is a list whose entries are a server name or a one-key map
  // `{name: config}`; `hooks` is a map of hook events. Both are kept as JSON text.
  std::optional<std::string> mcp_servers(const YAML::Node& key, const YAML::Node& value) {
    bool ok = value.IsSequence();
    for (const YAML::Node& item : value)
      if (!ok || !(item.IsScalar() || (item.IsMap() && item.size() == 1))) ok = false;
    if (ok) return yaml_to_json_text(value);
    report("E0114", span_of(key.Mark(), key.Scalar().size()),
           "agent file field `mcpServers` must be a list of server names or `name: config` "
           "entries",
           "write one server per line: `- github` names a configured server, `- name:` "
           "followed by its settings defines one");
    return std::nullopt;
  }
  std::optional<std::string> hooks(const YAML::Node& key, const YAML::Node& value) {
    if (value.IsMap()) return yaml_to_json_text(value);
    report("E0114", span_of(key.Mark(), key.Scalar().size()),
           "agent file field `hooks` must be a map of hook events",
           "write `hooks:` followed by events such as `PreToolUse:` on the next lines");
    return std::nullopt;
  }

  void unknown_field(const std::string& k, const Span& key_span) {
    std::vector<std::string_view> names(kKnownKeys.begin(), kKnownKeys.end());
    Diagnostic d = make_diagnostic(
        "W0110", key_span, fmt::format("unknown field `{}` in agent file; it is ignored", k));
    d.help = did_you_mean(k, names, fmt::format("known fields: {}", fmt::join(names, ", ")));
    diags.push_back(std::move(d));
  }

  // Reads one `key: value` into `a`; false when the value has the wrong shape.
  bool read_field(const YAML::Node& key, const YAML::Node& value, const std::string& k,
                  const Span& key_span, AgentFile& a) {
    bool ok = true;
    auto set_string = [&](std::string& field) {
      if (auto s = scalar(key, value)) field = trim(*s);
      else ok = false;
    };
    auto set_list = [&](std::vector<std::string>& field) {
      if (auto list = tool_list(key, value)) field = std::move(*list);
      else ok = false;
    };
    auto set_json = [&](std::string& field, std::optional<std::string> text) {
      if (text) field = std::move(*text);
      else ok = false;
    };
    if (k == "name") set_string(a.name), a.name_span = key_span;
    else if (k == "description") set_string(a.description);
    else if (k == "model") set_string(a.model);
    else if (k == "color") set_string(a.color);
    else if (k == "initialPrompt") set_string(a.initial_prompt);
    else if (k == "permissionMode") choice(key, value, kPermissionModes, a.permission_mode, ok);
    else if (k == "memory") choice(key, value, kMemoryScopes, a.memory, ok);
    else if (k == "isolation") choice(key, value, kIsolations, a.isolation, ok);
    else if (k == "effort") choice(key, value, kEfforts, a.effort, ok);
    else if (k == "tools") set_list(a.tools.emplace()), a.tools_span = key_span;
    else if (k == "disallowedTools") set_list(a.disallowed_tools);
    else if (k == "skills") set_list(a.skills);
    else if (k == "mcpServers") set_json(a.mcp_servers, mcp_servers(key, value));
    else if (k == "hooks") set_json(a.hooks, hooks(key, value));
    else if (k == "maxTurns") {
      int n = 0;
      if (!value.IsScalar() || !YAML::convert<int>::decode(value, n) || n < 1) {
        report("E0114", key_span, "agent file field `maxTurns` must be a positive integer",
               "write a whole number, such as `maxTurns: 20`");
        ok = false;
      }
      a.max_turns = n;
    } else if (k == "background") {
      if (!value.IsScalar() || !YAML::convert<bool>::decode(value, a.background)) {
        report("E0114", key_span, "agent file field `background` must be true or false",
               "write `background: true` or `background: false`");
        ok = false;
      }
    } else {
      unknown_field(k, key_span);
    }
    return ok;
  }

  std::optional<AgentFile> load() {
    if (!check_encoding() || !find_frontmatter()) return std::nullopt;
    YAML::Node root;
    if (!parse_yaml(root)) return std::nullopt;
    if (!root.IsMap()) {
      if (skipped && (root.IsNull() || root.IsScalar())) {
        *skipped = "no `name` field";
        return std::nullopt;
      }
      report("E0112", span_at(fm.begin < fm.end ? fm.begin : 0, 1),
             "agent frontmatter is not a set of `key: value` fields");
      return std::nullopt;
    }
    if (skipped && !std::as_const(root)["name"]) {
      *skipped = "no `name` field";
      return std::nullopt;
    }
    AgentFile a;
    bool ok = true;
    a.name_span = a.tools_span = span_at(0, 3);
    for (auto it = root.begin(); it != root.end(); ++it) {
      YAML::Node key = it->first;
      YAML::Node value = it->second;
      std::string k = key.IsScalar() ? key.Scalar() : "";
      Span key_span = span_of(key.Mark(), std::max<size_t>(k.size(), 1));
      if (value.IsNull()) continue;  // `key:` with nothing after it means "not set"
      if (!read_field(key, value, k, key_span, a)) ok = false;
    }
    if (a.name.empty()) {
      report("E0113", span_at(0, 3), "agent file has no `name` field",
             "add a line such as `name: code-review` to the frontmatter");
      ok = false;
    }
    if (a.description.empty()) {
      report("E0113", span_at(0, 3), "agent file has no `description` field",
             "add a line `description: ...` saying when the agent should be used");
      ok = false;
    }
    if (!ok) return std::nullopt;
    a.prompt = trim(std::string_view(file.text).substr(fm.body));
    return a;
  }
};

}  // namespace

std::vector<std::string> split_tool_list(const std::string& text) {
  // `Agent(worker, researcher)` and `Bash(git log:*)` are single entries: a comma splits only
  // outside parentheses.
  std::vector<std::string> out;
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    if (c != ',' || (depth > 0 && i < text.size())) continue;
    std::string piece = trim(std::string_view(text).substr(start, i - start));
    if (!piece.empty()) out.push_back(std::move(piece));
    start = i + 1;
  }
  return out;
}

std::optional<AgentFile> parse_agent_file(const SourceMap& sources, uint32_t file_id,
                                          std::vector<Diagnostic>& diags, std::string* skipped) {
  Loader loader{sources, file_id, sources.file(file_id), {}, diags, skipped};
  return loader.load();
}

}  // namespace flow

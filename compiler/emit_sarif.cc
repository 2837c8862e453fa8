#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/diagnostic_registry.h"
#include "compiler/emit.h"

namespace flow {
namespace {

using ojson = nlohmann::ordered_json;

// A path as a URI reference: relative paths stay relative, absolute ones become file: URIs,
// and anything outside the unreserved set is percent-encoded.
std::string to_uri(const std::string& path) {
  std::string out = path.rfind('/', 0) == 0 ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// "undefined agent" → "UndefinedAgent", the form SARIF rule names take.
std::string pascal(const std::string& title) {
  std::string out;
  bool up = true;
  for (char c : title) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

const char* level(Severity s) {
  return s == Severity::Error ? "error" : s == Severity::Warning ? "warning" : "note";
}

ojson location(const SourceMap& sources, const Span& s) {
  uint32_t end_line = std::max(s.end.line, s.begin.line);
  uint32_t end_col = end_line == s.begin.line ? std::max(s.end.col, s.begin.col + 1) : s.end.col;
  return ojson{{"physicalLocation",
                {{"artifactLocation", {{"uri", to_uri(sources.file(s.file).path)}}},
                 {"region",
                  {{"startLine", s.begin.line},
                   {"startColumn", s.begin.col},
                   {"endLine", end_line},
                   {"endColumn", std::max<uint32_t>(end_col, 1)}}}}}};
}

}  // namespace

std::string emit_sarif(const std::vector<Report>& reports, const std::string& tool_version) {
  // Rules first: each code used, once, in code order, so ruleIndex is stable.
  std::map<std::string, int> rule_index;
  for (const Report& r : reports)
    for (const Diagnostic& d : *r.diagnostics) rule_index.emplace(d.code, 0);
  ojson rules = ojson::array();
  int next = 0;
  for (auto& [code, index] : rule_index) {
    index = next++;
    const DiagnosticKind* kind = find_diagnostic_kind(code);
    std::string title = kind ? kind->title : code;
    ojson rule{{"id", code}, {"name", pascal(title)}, {"shortDescription", {{"text", title}}}};
    if (kind) {
      rule["fullDescription"] = {{"text", one_line(kind->explanation)}};
      rule["defaultConfiguration"] = {{"level", level(kind->severity)}};
      rule["help"] = {{"text", fmt::format("Run `flowc explain {}` for details.", code)}};
    }
    rules.push_back(std::move(rule));
  }

  ojson results = ojson::array();
  for (const Report& r : reports) {
    for (const Diagnostic& d : *r.diagnostics) {
      std::string text = d.message;
      for (const std::string& n : d.notes) text += "\nnote: " + n;
      if (!d.help.empty()) text += "\nhelp: " + d.help;
      ojson res{{"ruleId", d.code},
                {"ruleIndex", rule_index[d.code]},
                {"level", level(d.severity)},
                {"message", {{"text", text}}}};
      if (d.span.file != 0) res["locations"] = ojson::array({location(*r.sources, d.span)});
      ojson related = ojson::array();
      int id = 0;
      for (const Label& l : d.secondary) {
        if (l.span.file == 0) continue;
        ojson loc = location(*r.sources, l.span);
        loc["id"] = id++;
        if (!l.message.empty()) loc["message"] = {{"text", l.message}};
        related.push_back(std::move(loc));
      }
      if (!related.empty()) res["relatedLocations"] = std::move(related);
      results.push_back(std::move(res));
    }
  }

  ojson driver{{"name", "flowc"},
               {"version", tool_version},
               {"rules", std::move(rules)}};
  ojson run{{"tool", {{"driver", std::move(driver)}}},
            {"columnKind", "unicodeCodePoints"},
            {"results", std::move(results)}};
  ojson doc{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
            {"version", "2.1.0"},
            {"runs", ojson::array({std::move(run)})}};
  // Replace rather than throw on bytes that are not UTF-8: a report must always come out.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace flow

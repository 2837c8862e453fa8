#include <nlohmann/json.hpp>

#include "compiler/emit.h"

namespace flow {

std::string emit_json(const std::vector<Report>& reports) {
  using ojson = nlohmann::ordered_json;
  ojson list = ojson::array();
  for (const Report& r : reports) {
    for (const Diagnostic& d : *r.diagnostics) {
      const Span& s = d.span;
      ojson j;
      j["file"] = s.file ? ojson(r.sources->file(s.file).path) : ojson(nullptr);
      j["line"] = s.begin.line;
      j["col"] = s.begin.col;
      j["end_line"] = s.end.line;
      j["end_col"] = s.end.col;
      j["severity"] = severity_name(d.severity);
      j["code"] = d.code;
      j["message"] = d.message;
      if (!d.label.empty()) j["label"] = d.label;
      if (!d.notes.empty()) j["notes"] = d.notes;
      if (!d.help.empty()) j["help"] = d.help;
      ojson related = ojson::array();
      for (const Label& l : d.secondary) {
        if (l.span.file == 0) continue;
        related.push_back(ojson{{"file", r.sources->file(l.span.file).path},
                                {"line", l.span.begin.line},
                                {"col", l.span.begin.col},
                                {"message", l.message}});
      }
      if (!related.empty()) j["related"] = std::move(related);
      list.push_back(std::move(j));
    }
  }
  ojson doc{{"version", 1}, {"diagnostics", std::move(list)}};
  // Replace rather than throw on bytes that are not UTF-8: a report must always come out.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace flow

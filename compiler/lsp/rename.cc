// textDocument/rename and prepareRename: an agent, stage, step or input renamed everywhere
// the compiled program names it.
#include <algorithm>
#include <iterator>

#include <nlohmann/json.hpp>

#include "compiler/lsp/features.h"
#include "compiler/lsp/protocol.h"
#include "compiler/lsp/uri.h"
#include "lang/parser.h"

namespace flow::lsp {
namespace {

// Reserved words (docs/language.md); is_name() rejects them too, this names the reason.
const char* const kKeywords[] = {"after", "agent", "agents", "approve", "as", "check", "else",
                                 "flow", "from", "input", "over", "parallel", "retries",
                                 "review", "rule", "run", "sequence", "stage", "use", "uses",
                                 "when"};

const Occurrence* renamable(const Analysis& a, uint32_t offset, std::string* error) {
  const Occurrence* o = a.index.at(a.main_source, offset);
  if (!o) {
    *error = "there is no agent, stage, step or input name here to rename";
    return nullptr;
  }
  if (o->kind == SymbolKind::Module) {
    *error = "an import path cannot be renamed; rename or move the file instead";
    return nullptr;
  }
  const AgentDef* def = o->kind == SymbolKind::Agent ? o->agent_def : nullptr;
  if (def && def->from_dir) {
    *error = "agent `" + o->name + "` takes its name from the `name:` line of " +
             def->agent.source + "; rename it there";
    return nullptr;
  }
  return o;
}

bool valid_new_name(const Analysis& a, const Occurrence& o, const std::string& name,
                    std::string* error) {
  if (std::find(std::begin(kKeywords), std::end(kKeywords), name) != std::end(kKeywords)) {
    *error = "`" + name + "` is a reserved keyword; choose another name";
    return false;
  }
  if (!is_name(name)) {
    *error = "`" + name + "` is not a valid name: a letter or `_`, then letters, digits, `_`, "
             "and `-` or `.` between them";
    return false;
  }
  if (name != o.name && a.index.declaration(o.kind, name)) {
    *error = std::string("a ") + kind_name(o.kind) + " named `" + name + "` already exists";
    return false;
  }
  return true;
}

}  // namespace

bool rename(const Analysis& a, uint32_t offset, const std::string& new_name, Encoding enc,
            nlohmann::json* edit, std::string* error) {
  const Occurrence* o = renamable(a, offset, error);
  if (!o || !valid_new_name(a, *o, new_name, error)) return false;
  nlohmann::json changes = nlohmann::json::object();
  for (const Occurrence* r : a.index.all(o->kind, o->name)) {
    if (r->agent_def && r->agent_def->from_dir) continue;  // its `name:` line: not ours to edit
    nlohmann::json loc = location_json(a.result.sources, r->span, enc);
    std::string uri = loc["uri"];
    changes[uri].push_back({{"range", loc["range"]}, {"newText", new_name}});
  }
  *edit = {{"changes", changes}};
  return true;
}

nlohmann::json prepare_rename(const Analysis& a, uint32_t offset, Encoding enc) {
  std::string ignored;
  const Occurrence* o = renamable(a, offset, &ignored);
  if (!o) return nullptr;
  return {{"range", range_json(a.result.sources, o->span, enc)}, {"placeholder", o->name}};
}

}  // namespace flow::lsp

#include "compiler/resolve.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "compiler/agent_file.h"
#include "compiler/diagnostic_registry.h"
#include "ir/glob.h"
#include "compiler/suggest.h"
#include "lang/parser.h"
#include "lang/read_file.h"

namespace flow {
namespace fs = std::filesystem;

const AgentDef* Program::find_agent(const std::string& name) const {
  auto it = agent_index.find(name);
  return it == agent_index.end() ? nullptr : &agents[it->second];
}

const ast::InputDecl* Program::find_input(const std::string& name) const {
  auto it = input_index.find(name);
  return it == input_index.end() ? nullptr : inputs[it->second];
}

std::string dir_of(const std::string& path) { return fs::path(path).parent_path().string(); }

std::string join_path(const std::string& dir, const std::string& rel) {
  fs::path p = fs::path(rel).is_absolute() || dir.empty() ? fs::path(rel) : fs::path(dir) / rel;
  std::string s = p.lexically_normal().string();
  return s.empty() ? "." : s;
}

namespace {

bool read_text(const SourceMap& sources, const std::string& path, std::string& text,
               std::string* error) {
  if (const std::string* overlaid = sources.overlay_text(path)) {
    text = *overlaid;
    return true;
  }
  return read_file(path, &text, error);
}

struct Resolver {
  SourceMap& sources;
  Program& program;
  std::vector<Diagnostic>& diags;
  // Agent files by path. `skipped` says why a file of an `agents from` directory is not an
  // agent file ("" when it is one, or when it was named on its own).
  struct Loaded {
    std::optional<AgentFile> file;
    std::string skipped;
  };
  std::map<std::string, Loaded> loaded;

  void report(DiagCode code, Span span, std::string message, std::string help = "") {
    Diagnostic d = make_diagnostic(code, span, std::move(message));
    d.help = std::move(help);
    diags.push_back(std::move(d));
  }

  ir::Loc loc(const Span& s) const {
    if (s.file == 0) return {};
    return ir::Loc{s.file, s.begin.line, s.begin.col, s.end.line, s.end.col};
  }

  void add_agent(AgentDef def, const Span& name_span) {
    auto [it, fresh] = program.agent_index.emplace(def.agent.name,
                                                   static_cast<uint32_t>(program.agents.size()));
    if (!fresh) {
      Diagnostic d = make_diagnostic("E0105", name_span,
                                     fmt::format("agent `{}` is declared twice", def.agent.name));
      d.secondary.push_back({program.agents[it->second].span, "first declared here"});
      d.help = "rename one of them; imported files' agents share the flow's names";
      diags.push_back(std::move(d));
      return;
    }
    program.agents.push_back(std::move(def));
  }

  // Copies a subagent file's fields into `def`. False when the file is unusable.
  // `skipped` is given for a file of an `agents from` directory (see parse_agent_file).
  bool load_markdown(const std::string& path, const Span& named_at, AgentDef& def,
                     Span* name_line = nullptr, std::string* skipped = nullptr) {
    // A file named twice is read once, so its diagnostics are reported once; a directory's
    // non-agent file named on its own is read again, to report why it is not an agent file.
    auto cached = loaded.find(path);
    if (cached != loaded.end() && !skipped && !cached->second.skipped.empty())
      loaded.erase(cached), cached = loaded.end();
    if (cached == loaded.end()) {
      std::string text, error;
      Loaded parsed;
      if (read_text(sources, path, text, &error)) {
        uint32_t id = sources.add(path, std::move(text));
        program.imported_at.emplace(id, named_at);  // where the flow names the file
        parsed.file = parse_agent_file(sources, id, diags, skipped ? &parsed.skipped : nullptr);
      } else
        report("E0110", named_at, error, "the path is relative to the .flow file that names it");
      cached = loaded.emplace(path, std::move(parsed)).first;
    }
    if (skipped) *skipped = cached->second.skipped;
    const std::optional<AgentFile>& file = cached->second.file;
    if (!file) return false;
    ir::Agent& a = def.agent;
    a.description = file->description;
    a.model = file->model;
    a.tools = file->tools;
    a.disallowed_tools = file->disallowed_tools;
    a.permission_mode = file->permission_mode;
    a.max_turns = file->max_turns;
    a.skills = file->skills;
    a.mcp_servers = file->mcp_servers;
    a.hooks = file->hooks;
    a.memory = file->memory;
    a.background = file->background;
    a.isolation = file->isolation;
    a.color = file->color;
    a.effort = file->effort;
    a.initial_prompt = file->initial_prompt;
    a.prompt = file->prompt;
    a.source = path;
    if (file->tools) def.tools_span = file->tools_span;
    if (name_line) *name_line = file->name_span;
    if (def.agent.name.empty()) def.agent.name = file->name;
    return true;
  }

  // `permission-mode` and `max-turns`, checked as their agent file fields are.
  void apply_claude_fields(const ast::AgentDecl& decl, ir::Agent& a) {
    if (decl.permission_mode) {
      const std::string& m = decl.permission_mode->name;
      std::vector<std::string_view> modes(std::begin(kPermissionModes), std::end(kPermissionModes));
      if (std::find(modes.begin(), modes.end(), m) != modes.end())
        a.permission_mode = m;
      else
        report("E0116", decl.permission_mode->span,
               fmt::format("`{}` is not a value of agent field `permission-mode`", m),
               did_you_mean(m, modes, fmt::format("write one of: {}", fmt::join(modes, ", "))));
    }
    if (decl.max_turns) {
      if (decl.max_turns->value >= 1)
        a.max_turns = static_cast<int>(decl.max_turns->value);
      else
        report("E0116", decl.max_turns->span, "agent field `max-turns` must be at least 1",
               "write the most turns the agent may take, such as `max-turns 20`");
    }
  }

  void apply_inline(const ast::AgentDecl& decl, AgentDef& def) {
    ir::Agent& a = def.agent;
    if (decl.description) a.description = decl.description->value;
    if (decl.model) a.model = decl.model->value;
    if (decl.prompt) a.prompt = decl.prompt->value;
    if (decl.tools) {
      a.tools.emplace();
      for (const ast::Ident& t : *decl.tools) a.tools->push_back(t.name);
      if (!decl.tools->empty()) def.tools_span = decl.tools->front().span;
    }
    if (decl.disallowed_tools) {
      a.disallowed_tools.clear();
      for (const ast::Ident& t : *decl.disallowed_tools) a.disallowed_tools.push_back(t.name);
    }
    apply_claude_fields(decl, a);
    if (decl.writes) {
      a.writes.clear();
      for (const ast::String& w : *decl.writes)
        if (glob_length_ok(w, "`writes`")) a.writes.push_back(w.value);
      if (!decl.writes->empty()) def.writes_span = decl.writes->front().span;
    }
    if (decl.role) {
      const std::string& r = decl.role->name;
      if (r == "worker" || r == "coordinator" || r == "reviewer")
        a.role = r;
      else
        report("E0108", decl.role->span, fmt::format("unknown role `{}`", r),
               did_you_mean(r, {"worker", "coordinator", "reviewer"},
                            "a role is `worker`, `coordinator` or `reviewer`"));
    }
  }

  // Comparing two patterns costs up to the product of their lengths (ir/glob.h).
  bool glob_length_ok(const ast::String& glob, const char* where) {
    if (glob.value.size() <= kMaxGlobLength) return true;
    Span opening = sources.span(glob.span.file, glob.span.begin.offset, glob.span.begin.offset + 1);
    report("E0504", opening,
           fmt::format("{} pattern is {} characters long, more than the {} allowed", where,
                       glob.value.size(), kMaxGlobLength),
           "shorten the pattern: end it with `/**` to cover a whole directory, or use `*` for "
           "a run of characters within a name");
    return false;
  }

  void agent_decl(const ast::File& file, const ast::AgentDecl& decl, bool in_main) {
    AgentDef def;
    def.agent.name = decl.name.name;
    def.agent.role = "worker";
    def.span = decl.name.span;
    def.writes_span = def.tools_span = decl.name.span;
    def.in_main_file = in_main;
    if (decl.from) {
      std::string path = join_path(dir_of(sources.file(file.source).path), decl.from->value);
      if (!load_markdown(path, decl.from->span, def)) {
        // Declare the agent anyway so its uses are not reported as undefined a second time.
        def.agent.source = path;
        def.file_failed = true;
      }
    }
    apply_inline(decl, def);
    def.agent.loc = loc(decl.span);
    add_agent(std::move(def), decl.name.span);
  }

  void agents_dir(const ast::File& file, const ast::AgentsDecl& decl, bool in_main) {
    std::string dir = join_path(dir_of(sources.file(file.source).path), decl.dir.value);
    std::error_code ec;
    std::vector<std::string> paths;
    if (fs::is_directory(dir, ec)) {
      // increment(ec) rather than a range-for, whose ++ throws on an unreadable entry.
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".md" && !it->is_directory(ec))
          paths.push_back(join_path(dir, it->path().filename().string()));
    }
    if (paths.empty()) {
      report("E0110", decl.dir.span,
             fs::is_directory(dir, ec) ? fmt::format("no `.md` agent file in '{}'", dir)
                                       : fmt::format("cannot read directory '{}'", dir),
             "the path is relative to the .flow file that names it");
      return;
    }
    std::sort(paths.begin(), paths.end());  // directory order is not stable across machines
    std::vector<std::string> skipped;
    for (const std::string& path : paths) {
      AgentDef def;
      def.agent.role = "worker";
      def.in_main_file = in_main;
      def.from_dir = true;
      Span name_line;
      std::string why;
      if (!load_markdown(path, decl.dir.span, def, &name_line, &why)) {
        if (!why.empty())
          skipped.push_back(fmt::format("{} ({})", fs::path(path).filename().string(), why));
        continue;
      }
      def.span = def.writes_span = name_line;
      if (def.tools_span.file == 0) def.tools_span = name_line;
      def.agent.loc = loc(name_line);
      if (!is_name(def.agent.name)) report_uncallable(def.agent.name, path, decl, name_line);
      add_agent(std::move(def), name_line);
    }
    report_skipped(decl, dir, skipped, paths.size());
  }

  // Subagent files may use names a step cannot write (`Code Review`, `3d-modeler`); say so
  // at the file rather than leave the agent silently out of reach.
  void report_uncallable(const std::string& name, const std::string& path,
                         const ast::AgentsDecl& decl, const Span& name_line) {
    Diagnostic d = make_diagnostic(
        "W0112", name_line,
        fmt::format("agent `{}` has a name that a flow cannot call", name));
    d.secondary.push_back({decl.dir.span, "loaded from this directory"});
    d.notes.push_back("a name is a letter or `_`, then letters, digits, `_`, and `-` or `.` "
                      "between them");
    std::string file = (fs::path(decl.dir.value) / fs::path(path).filename()).lexically_normal()
                           .generic_string();
    d.help = fmt::format("rename it in its `name:` field, or give it a name in the flow: "
                         "`agent NAME from \"{}\"`",
                         file);
    diags.push_back(std::move(d));
  }

  // A README beside the agents is normal; say which files were not read as agents.
  void report_skipped(const ast::AgentsDecl& decl, const std::string& dir,
                      const std::vector<std::string>& skipped, size_t files) {
    if (skipped.empty()) return;
    bool none = skipped.size() == files;
    Diagnostic d =
        none ? make_diagnostic("E0110", decl.dir.span, fmt::format("no agent file in '{}'", dir))
             : make_diagnostic("W0111", decl.dir.span,
                               skipped.size() == 1
                                   ? fmt::format("skipped 1 `.md` file in '{}' that is not an "
                                                 "agent file", dir)
                                   : fmt::format("skipped {} `.md` files in '{}' that are not "
                                                 "agent files", skipped.size(), dir));
    for (const std::string& s : skipped) d.notes.push_back("skipped " + s);
    d.help = none ? "an agent file starts with `---`, then frontmatter with `name:` and "
                    "`description:`; check the directory's path"
                  : "an agent file starts with `---`, then frontmatter with `name:` and "
                    "`description:`; `# flowc: allow W0111` on this line silences this";
    diags.push_back(std::move(d));
  }

  template <typename Decl>
  void add_named(std::vector<const Decl*>& list, std::unordered_map<std::string, uint32_t>& index,
                 const Decl& decl, const char* what) {
    auto [it, fresh] = index.emplace(decl.name.name, static_cast<uint32_t>(list.size()));
    if (!fresh) {
      Diagnostic d = make_diagnostic(
          "E0105", decl.name.span, fmt::format("{} `{}` is declared twice", what, decl.name.name));
      d.secondary.push_back({list[it->second]->name.span, "first declared here"});
      d.help = fmt::format("rename one of the {}s", what);
      diags.push_back(std::move(d));
      return;
    }
    list.push_back(&decl);
  }

  void run() {
    for (const ast::File& file : program.files) {
      bool in_main = file.source == program.main_source;
      if (in_main && file.flow) program.header = &*file.flow;
      for (const ast::AgentDecl& a : file.agents) agent_decl(file, a, in_main);
      for (const ast::AgentsDecl& a : file.agent_dirs) agents_dir(file, a, in_main);
      for (const ast::InputDecl& in : file.inputs)
        add_named(program.inputs, program.input_index, in, "input");
      for (const ast::StageDecl& s : file.stages)
        add_named(program.stages, program.stage_index, s, "stage");
      for (const ast::RuleDecl& r : file.rules) {
        for (const ast::String& g : r.globs) glob_length_ok(g, "`writes only`");
        program.rules.push_back(&r);
      }
    }
  }
};

}  // namespace

void resolve(SourceMap& sources, Program& program, std::vector<Diagnostic>& diags) {
  Resolver{sources, program, diags, {}}.run();
}

}  // namespace flow

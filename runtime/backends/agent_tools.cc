#include "runtime/backends/agent_tools.h"

#include <cmath>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "runtime/tools/tool_impl.h"

namespace flow::rt {
namespace {

using json = nlohmann::json;

const std::vector<ToolSpec>& all_specs() {
  static const std::vector<ToolSpec> specs = {
      {"Read",
       "Reads a text file of the working directory and shows it with line numbers (like "
       "`cat -n`). Shows up to 2000 lines from `offset`; use `offset` and `limit` for long "
       "files. Lines longer than 2000 characters are cut.",
       R"j({"type":"object","properties":{)j"
       R"j("file_path":{"type":"string","description":"The file to read: relative to the working directory, or absolute inside it"},)j"
       R"j("offset":{"type":"integer","minimum":1,"description":"The first line to show (1-based)"},)j"
       R"j("limit":{"type":"integer","minimum":1,"description":"How many lines to show"}},)j"
       R"j("required":["file_path"],"additionalProperties":false})j"},
      {"Write",
       "Writes a whole file in the working directory, replacing it if it exists and creating "
       "missing directories. Only paths the step may write are accepted.",
       R"j({"type":"object","properties":{)j"
       R"j("file_path":{"type":"string","description":"The file to write: relative to the working directory, or absolute inside it"},)j"
       R"j("content":{"type":"string","description":"The file's complete new content"}},)j"
       R"j("required":["file_path","content"],"additionalProperties":false})j"},
      {"Edit",
       "Replaces text in a file: `old_string` must occur exactly once (copy it from Read "
       "output, without the line numbers, with enough context to be unique), or set "
       "`replace_all` to replace every occurrence.",
       R"j({"type":"object","properties":{)j"
       R"j("file_path":{"type":"string","description":"The file to change"},)j"
       R"j("old_string":{"type":"string","description":"The exact text to replace"},)j"
       R"j("new_string":{"type":"string","description":"The text to put in its place (must differ)"},)j"
       R"j("replace_all":{"type":"boolean","default":false,"description":"Replace every occurrence"}},)j"
       R"j("required":["file_path","old_string","new_string"],"additionalProperties":false})j"},
      {"Glob",
       "Lists the files whose path matches a glob pattern, newest first. `*` matches within "
       "one directory level, `**` across levels (`**/*.cc`, `src/**/test_*.py`).",
       R"j({"type":"object","properties":{)j"
       R"j("pattern":{"type":"string","description":"The glob, relative to `path`"},)j"
       R"j("path":{"type":"string","description":"The directory to search (default: the working directory)"}},)j"
       R"j("required":["pattern"],"additionalProperties":false})j"},
      {"Grep",
       "Searches file contents with a POSIX extended regular expression. Output modes: "
       "\"files_with_matches\" (default: the files that match), \"content\" (the matching "
       "lines), \"count\" (matches per file).",
       R"j({"type":"object","properties":{)j"
       R"j("pattern":{"type":"string","description":"POSIX extended regular expression"},)j"
       R"j("path":{"type":"string","description":"File or directory to search (default: the working directory)"},)j"
       R"j("glob":{"type":"string","description":"Only files matching this glob (e.g. \"*.cc\", \"src/**/*.h\")"},)j"
       R"j("output_mode":{"type":"string","enum":["content","files_with_matches","count"]},)j"
       R"j("-i":{"type":"boolean","description":"Ignore case"},)j"
       R"j("-n":{"type":"boolean","description":"Line numbers in content mode (default true)"},)j"
       R"j("head_limit":{"type":"integer","minimum":0,"description":"Show only the first N lines or files"}},)j"
       R"j("required":["pattern"],"additionalProperties":false})j"},
      {"Bash",
       "Runs a shell command (/bin/sh -c) in the working directory and returns its output "
       "(stdout and stderr together) and exit status. Each call starts a fresh shell. "
       "Default time limit 120000 ms; the command and everything it started are killed then.",
       R"j({"type":"object","properties":{)j"
       R"j("command":{"type":"string","description":"The command to run"},)j"
       R"j("timeout":{"type":"integer","minimum":1,"description":"Time limit in milliseconds (can only lower the step's limit)"},)j"
       R"j("description":{"type":"string","description":"What the command does, in a few words"}},)j"
       R"j("required":["command"],"additionalProperties":false})j"},
  };
  return specs;
}

// Field readers: false with *error for a wrong type or a missing required field.
bool get_string(const json& in, const char* key, bool required, std::string* out, std::string* error) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) {
    if (required) *error = std::string("missing required field \"") + key + "\" (a string)";
    return !required;
  }
  if (!it->is_string()) {
    *error = std::string("field \"") + key + "\" must be a string, not " + it->type_name();
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

bool get_int(const json& in, const char* key, int64_t min, std::optional<int64_t>* out,
             std::string* error) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return true;
  // Models sometimes send 10.0 for 10: accept whole numbers.
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (!(d >= -1e15 && d <= 1e15) || d != std::floor(d)) {
      *error = std::string("field \"") + key + "\" must be a whole number";
      return false;
    }
    *out = static_cast<int64_t>(d);
  } else if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}) {
    *out = INT64_MAX;
  } else if (it->is_number_integer()) {
    *out = it->get<int64_t>();
  } else {
    *error = std::string("field \"") + key + "\" must be an integer, not " + it->type_name();
    return false;
  }
  if (**out < min) {
    *error = std::string("field \"") + key + "\" must be at least " + std::to_string(min);
    return false;
  }
  return true;
}

bool get_bool(const json& in, const char* key, bool* out, std::string* error) {
  auto it = in.find(key);
  if (it == in.end() || it->is_null()) return true;
  if (!it->is_boolean()) {
    *error = std::string("field \"") + key + "\" must be true or false, not " + it->type_name();
    return false;
  }
  *out = it->get<bool>();
  return true;
}

ToolOutcome run_file_tool(const ToolEnv& env, const std::string& name, const json& in, std::string* error) {
  if (name == "Read") {
    ReadInput r;
    std::optional<int64_t> offset, limit;
    if (!get_string(in, "file_path", true, &r.file_path, error) ||
        !get_int(in, "offset", 1, &offset, error) || !get_int(in, "limit", 1, &limit, error))
      return {};
    r.offset = offset.value_or(1);
    r.limit = limit.value_or(kReadDefaultLimit);
    return tool_read(env, r);
  }
  if (name == "Write") {
    WriteInput w;
    if (!get_string(in, "file_path", true, &w.file_path, error) ||
        !get_string(in, "content", true, &w.content, error))
      return {};
    return tool_write(env, w);
  }
  EditInput e;
  if (!get_string(in, "file_path", true, &e.file_path, error) ||
      !get_string(in, "old_string", true, &e.old_string, error) ||
      !get_string(in, "new_string", true, &e.new_string, error) ||
      !get_bool(in, "replace_all", &e.replace_all, error))
    return {};
  return tool_edit(env, e);
}

ToolOutcome run_other_tool(const ToolEnv& env, const std::string& name, const json& in, std::string* error) {
  if (name == "Glob") {
    GlobInput g;
    if (!get_string(in, "pattern", true, &g.pattern, error) ||
        !get_string(in, "path", false, &g.path, error))
      return {};
    return tool_glob(env, g);
  }
  if (name == "Grep") {
    GrepInput g;
    std::optional<int64_t> head;
    if (!get_string(in, "pattern", true, &g.pattern, error) ||
        !get_string(in, "path", false, &g.path, error) ||
        !get_string(in, "glob", false, &g.glob, error) ||
        !get_string(in, "output_mode", false, &g.output_mode, error) ||
        !get_bool(in, "-i", &g.ignore_case, error) || !get_bool(in, "-n", &g.line_numbers, error) ||
        !get_int(in, "head_limit", 0, &head, error))
      return {};
    g.head_limit = head.value_or(0);
    return tool_grep(env, g);
  }
  BashInput b;
  std::string description;
  if (!get_string(in, "command", true, &b.command, error) ||
      !get_int(in, "timeout", 1, &b.timeout_ms, error) ||
      !get_string(in, "description", false, &description, error))
    return {};
  return tool_bash(env, b);
}

}  // namespace

bool is_builtin_tool(const std::string& name) {
  for (const ToolSpec& s : all_specs())
    if (s.name == name) return true;
  return false;
}

std::vector<ToolSpec> builtin_tool_specs(const std::vector<std::string>& names) {
  std::vector<ToolSpec> out;
  for (const std::string& n : names)
    for (const ToolSpec& s : all_specs())
      if (s.name == n) out.push_back(s);
  return out;
}

ToolOutcome run_builtin_tool(const ToolEnv& env, const std::string& name,
                             const std::string& input_json) {
  if (!is_builtin_tool(name))
    return tool_error("unknown tool \"" + utf8_capped(name, 200) + "\"");
  try {
    json in = json::parse(input_json, nullptr, false);
    if (in.is_discarded() || !in.is_object())
      return tool_error(name + ": the input must be a JSON object");
    std::string error;
    bool files = name == "Read" || name == "Write" || name == "Edit";
    ToolOutcome out = files ? run_file_tool(env, name, in, &error) : run_other_tool(env, name, in, &error);
    if (!error.empty()) return tool_error(name + ": " + error);
    out.content = utf8_capped(out.content, kToolOutputCap + 4096);
    return out;
  } catch (const std::exception& e) {
    // Nothing below throws on purpose; this keeps an allocation failure or a library surprise
    // an error the model reads rather than the end of the run.
    return tool_error(name + ": internal error: " + e.what());
  }
}

}  // namespace flow::rt

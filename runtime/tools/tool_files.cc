// Write and Edit: regular files beneath the working directory (tool_paths.h); Write and
// Edit only inside the step's write scope.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lang/text.h"
#include "runtime/tools/tool_impl.h"
#include "runtime/tools/tool_paths.h"

namespace flow::rt {
namespace {

std::string scope_words(const WriteScope& s) {
  if (s.globs.empty()) return "this step may not write any file";
  std::string out = "this step may write only files matching ";
  for (size_t i = 0; i < s.globs.size(); ++i) out += (i ? ", " : "") + s.globs[i];
  return out;
}

// The refusal for a path outside the scope, or nothing.
std::optional<ToolOutcome> refuse_outside_scope(const ToolEnv& env, const std::string& tool,
                                                const std::string& rel) {
  if (outside_scope({rel}, env.scope).empty()) return std::nullopt;
  ToolOutcome out = tool_error(tool + ": refused to write " + rel + ": " + scope_words(env.scope) +
                               " (paths relative to the working directory)");
  out.refused = rel;
  return out;
}

}  // namespace

Fd::~Fd() {
  if (fd >= 0) ::close(fd);
}

bool open_regular(const ToolEnv& env, const std::string& rel, int flags, unsigned mode, Fd* fd,
                  std::string* error) {
  fd->fd = open_beneath(env.work_dir, rel, flags | O_NONBLOCK, mode);
  if (fd->fd < 0) {
    *error = rel + ": " + (errno == ELOOP || errno == EXDEV
                               ? std::string("a symbolic link changed while opening it; try again")
                               : std::strerror(errno));
    return false;
  }
  struct stat st;
  if (::fstat(fd->fd, &st) != 0) return *error = rel + ": " + std::strerror(errno), false;
  if (S_ISDIR(st.st_mode))
    return *error = rel + ": is a directory (use Glob to list it)", false;
  if (!S_ISREG(st.st_mode)) return *error = rel + ": not a regular file", false;
  ::fcntl(fd->fd, F_SETFL, ::fcntl(fd->fd, F_GETFL) & ~O_NONBLOCK);
  return true;
}

bool open_existing(const ToolEnv& env, const std::string& file_path, int flags, ToolPath* p,
                   Fd* fd, std::string* error) {
  if (!resolve_tool_path(env.work_dir, file_path, p, error)) return false;
  if (!p->exists) {
    *error = (p->rel.empty() ? file_path : p->rel) + ": no such file";
    return false;
  }
  return open_regular(env, p->rel, flags, 0, fd, error);
}

namespace {

bool read_all(int fd, size_t cap, std::string* out, std::string* error) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return *error = std::strerror(errno), false;
    if (n == 0) return true;
    if (out->size() + static_cast<size_t>(n) > cap)
      return *error = "larger than " + std::to_string(cap / (1024 * 1024)) + " MiB", false;
    out->append(buf, static_cast<size_t>(n));
  }
}

bool write_all(int fd, const std::string& text, std::string* error) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return *error = std::strerror(n < 0 ? errno : EIO), false;
    done += static_cast<size_t>(n);
  }
  if (::ftruncate(fd, static_cast<off_t>(text.size())) != 0) return *error = std::strerror(errno), false;
  return true;
}

}  // namespace

ToolOutcome tool_write(const ToolEnv& env, const WriteInput& in) {
  std::string error;
  if (in.content.size() > kFileSizeCap)
    return tool_error("Write: the content is larger than 16 MiB; write smaller files");
  ToolPath p;
  if (!resolve_tool_path(env.work_dir, in.file_path, &p, &error)) return tool_error("Write: " + error);
  if (p.rel.empty()) return tool_error("Write: " + in.file_path + " is the working directory itself");
  if (auto refused = refuse_outside_scope(env, "Write", p.rel)) return *refused;
  if (!p.exists && !make_parents_beneath(env.work_dir, p.rel, &error)) return tool_error("Write: " + error);
  Fd fd;
  // No O_TRUNC: a FIFO or a directory is refused before anything is changed.
  if (!open_regular(env, p.rel, O_WRONLY | O_CREAT, 0666, &fd, &error)) return tool_error("Write: " + error);
  if (!write_all(fd.fd, in.content, &error))
    return tool_error("Write: " + p.rel + ": " + error + " (the file may be partly written)");
  return {(p.exists ? "Replaced " : "Created ") + p.rel + " (" + text::plural(in.content.size(), "byte") + ")",
          false, ""};
}

ToolOutcome tool_edit(const ToolEnv& env, const EditInput& in) {
  if (in.old_string.empty())
    return tool_error("Edit: old_string is empty; give the text to replace (Write creates files)");
  if (in.old_string == in.new_string)
    return tool_error("Edit: old_string and new_string are the same; nothing would change");
  std::string error, text;
  ToolPath p;
  Fd fd;
  if (!resolve_tool_path(env.work_dir, in.file_path, &p, &error)) return tool_error("Edit: " + error);
  if (auto refused = refuse_outside_scope(env, "Edit", p.rel)) return *refused;
  if (!open_existing(env, in.file_path, O_RDWR, &p, &fd, &error) ||
      !read_all(fd.fd, kFileSizeCap, &text, &error))
    return tool_error("Edit: " + error);
  size_t count = 0;
  for (size_t at = text.find(in.old_string); at != std::string::npos;
       at = text.find(in.old_string, at + in.old_string.size()))
    ++count;
  if (count == 0)
    return tool_error("Edit: old_string was not found in " + p.rel +
                      "; Read the file and copy the text exactly, whitespace included, without "
                      "the line numbers");
  if (count > 1 && !in.replace_all)
    return tool_error("Edit: old_string occurs " + std::to_string(count) + " times in " + p.rel +
                      "; include more surrounding text to make it unique, or set replace_all "
                      "to true");
  std::string changed;
  size_t from = 0;
  for (size_t at = text.find(in.old_string); at != std::string::npos && (in.replace_all || from == 0);
       at = text.find(in.old_string, from)) {
    changed.append(text, from, at - from).append(in.new_string);
    from = at + in.old_string.size();
  }
  changed.append(text, from, std::string::npos);
  if (changed.size() > kFileSizeCap) return tool_error("Edit: the result would be larger than 16 MiB");
  if (!write_all(fd.fd, changed, &error))
    return tool_error("Edit: " + p.rel + ": " + error + " (the file may be partly written)");
  return {"Edited " + p.rel + ": replaced " + text::plural(in.replace_all ? count : 1, "occurrence"),
          false, ""};
}

}  // namespace flow::rt

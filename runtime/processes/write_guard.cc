#include "runtime/processes/write_guard.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>


#include "runtime/processes/landlock.h"
#include "runtime/store/events.h"
#include "runtime/processes/refused_writes.h"

namespace flow::rt {
namespace {

std::string working_tree() {
  char* r = ::realpath(".", nullptr);
  std::string out = r ? r : ".";
  std::free(r);
  return out;
}

std::string scope_text(const WriteScope& scope) {
  std::string where;
  for (const std::string& g : scope.globs) where += (where.empty() ? "" : ", ") + g;
  return where;
}

// Whether `path` is the file flow's own standard output or error goes to (`flow run > out`):
// flow's writes are nobody's scope.
bool own_output(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  for (int fd : {1, 2}) {
    struct stat o;
    if (::fstat(fd, &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino) return true;
  }
  return false;
}

std::string list(const std::vector<std::string>& paths) {
  const size_t kMax = 20;
  std::string out;
  for (size_t i = 0; i < paths.size() && i < kMax; ++i) out += "\n  " + paths[i];
  if (paths.size() > kMax) out += "\n  ... and " + std::to_string(paths.size() - kMax) + " more";
  return out;
}

// "" when every changed file is inside `scope`; else the error that fails the step.
std::string scope_violation(const std::string& agent, const TreeSnapshot& before,
                            const TreeSnapshot& after, const WriteScope& scope) {
  std::vector<std::string> bad = outside_scope(changed_files(before, after), scope);
  bad.erase(std::remove_if(bad.begin(), bad.end(), own_output), bad.end());
  if (bad.empty()) return "";
  std::string where = scope_text(scope);
  return "files changed outside the write scope of `" + agent + "`" +
         (where.empty() ? " (and of every step running with it), which may write nothing"
                        : " and the steps running with it (" + where + ")") +
         ":" + list(bad);
}

}  // namespace

std::set<std::string> untracked_dirs(const std::string& run_dir) {
  std::set<std::string> out{".git", ".flow"};
  std::string top = run_dir.substr(0, run_dir.find('/'));
  if (!top.empty() && top != "." && top != ".." && run_dir[0] != '/') out.insert(top);
  return out;
}

std::vector<std::string> refused_in_tree(const std::string& text, const std::string& tree,
                                         const WriteScope& scope) {
  std::vector<std::string> out;
  for (const std::string& p : permission_denied_paths(text)) {
    std::string rel = path_in_tree(p, tree);
    if (!rel.empty() && !outside_scope({rel}, scope).empty() &&
        std::find(out.begin(), out.end(), rel) == out.end())
      out.push_back(rel);
  }
  return out;
}

WriteGuard::WriteGuard(GuardSpec spec) : spec_(std::move(spec)) {}

WriteGuard::~WriteGuard() {
  if (tracked_) spec_.tracker->end(token_);
  end_sandbox(sandbox_);
  if (ruleset_ >= 0) ::close(ruleset_);
}

bool WriteGuard::begin(AgentRequest* req, std::string* error) {
  const WriteScope& scope = spec_.scope;
  checked_ = spec_.may_change_files;
  // A call that cannot change a file and whose step may write nowhere adds nothing to the
  // scopes around it and needs none of theirs: it stays out of the tracker.
  tracked_ = checked_ || scope.anywhere || !scope.globs.empty();
  if (tracked_) token_ = spec_.tracker->begin(scope);
  if (!checked_) return true;
  skip_ = untracked_dirs(spec_.run_dir);
  if (!spec_.recordings.empty()) skip_.insert(spec_.recordings);
  tree_ = working_tree();
  if (spec_.confinable && !scope.anywhere) {
    if (landlock_abi() <= 0) {
      fallback_ = landlock_missing();
    } else {
      if (!plan_sandbox(scope, tree_, !scope.globs.empty(), &sandbox_, error)) return false;
      std::string why;
      ruleset_ = make_write_ruleset(sandbox_.grants, &why);
      if (ruleset_ < 0) {
        fallback_ = why;
      } else {
        confined_ = true;
        req->landlock_ruleset = ruleset_;
        req->tmpdir = sandbox_.tmpdir;
      }
    }
  }
  before_ = snapshot();
  return true;
}

// Confined, only where the kernel lets the agent write more than its scope; else everything.
TreeSnapshot WriteGuard::snapshot() const {
  return confined_ ? snapshot_dirs(".", sandbox_.check, skip_) : snapshot_tree(".", skip_);
}

std::string WriteGuard::end(const AgentResult& result, std::vector<std::string>* events) {
  WriteScope allowed = spec_.scope;
  if (tracked_) {
    allowed = spec_.tracker->end(token_);
    tracked_ = false;
  }
  if (!checked_) return "";
  std::string out;
  if (confined_) {
    std::vector<std::string> refused =
        refused_in_tree(result.tool_errors + "\n" + result.error, tree_, spec_.scope);
    for (const std::string& p : refused)
      events->push_back(backend_event_text(ev::WriteRefused{.by = "kernel", .path = p}));
    if (!refused.empty()) {
      std::string where = scope_text(spec_.scope), paths;
      for (size_t i = 0; i < refused.size() && i < 5; ++i) paths += (i ? ", " : "") + refused[i];
      if (refused.size() > 5) paths += ", ... (" + std::to_string(refused.size()) + " in all)";
      out = "the kernel refused a write to " + paths + ", outside the write scope of `" +
            spec_.agent + "`" +
            (where.empty() ? ", which may write nothing" : " (writes " + where + ")");
    }
  }
  std::string bad = scope_violation(spec_.agent, before_, snapshot(), allowed);
  if (!bad.empty()) out += (out.empty() ? "" : "\n") + bad;
  return out;
}

}  // namespace flow::rt

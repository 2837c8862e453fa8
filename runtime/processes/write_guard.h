#pragma once
// Keeping one agent call inside its write scope (docs/runtime.md, "Write scopes").
//
// Where the backend starts the agent as a program (command, claude) and the kernel has
// Landlock, the program and all it starts are confined to the scope before they run: a write
// outside fails with EACCES, and the call fails naming it. What the kernel cannot express (a
// pattern finer than a directory) is checked after the call, in the directories the kernel let
// the agent write and only there, so nobody else's writes are charged to the agent. Without
// Landlock the whole working tree is compared before and after the call, as is every call of
// a backend that runs no program of its own.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/backends/backend.h"
#include "runtime/processes/scope_sandbox.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

struct GuardSpec {
  std::string agent;
  WriteScope scope;
  std::string run_dir;
  std::string recordings;  // `--record DIR` inside the tree (not the agent's), "" if none
  bool may_change_files = false;  // the backend says the call can change the tree
  bool confinable = false;        // the backend starts the agent as a program of its own
  ScopeTracker* tracker = nullptr;
};

class WriteGuard {
 public:
  explicit WriteGuard(GuardSpec spec);
  ~WriteGuard();  // removes what the sandbox made, closes its ruleset
  WriteGuard(const WriteGuard&) = delete;
  WriteGuard& operator=(const WriteGuard&) = delete;

  // Before the call: confines it (sets the request's ruleset and TMPDIR) and takes the first
  // snapshot. False with `error` when the call must not run.
  bool begin(AgentRequest* req, std::string* error);
  // After the call: "" or why it broke its scope (writes the kernel refused, files changed
  // outside it). Adds a `write_refused` event per refused path to `events`.
  std::string end(const AgentResult& result, std::vector<std::string>* events);

  // Why the kernel does not confine this call although the backend could be ("" when it does,
  // or when there is nothing to confine): said once per run.
  const std::string& fallback() const { return fallback_; }

 private:
  GuardSpec spec_;
  std::string tree_;  // the working tree, absolute and without links
  bool tracked_ = false, checked_ = false, confined_ = false;
  int token_ = 0, ruleset_ = -1;
  ScopeSandbox sandbox_;
  std::set<std::string> skip_;
  TreeSnapshot before_;
  std::string fallback_;
  TreeSnapshot snapshot() const;
};

// Directories the working-tree check never looks at: .git, .flow, and the top directory of
// the run directory when it is inside the current directory.
std::set<std::string> untracked_dirs(const std::string& run_dir);

// The paths of `text`'s permission errors that lie in `tree` outside `scope`: writes the kernel
// refused (refused_writes.h), relative to the tree.
std::vector<std::string> refused_in_tree(const std::string& text, const std::string& tree,
                                         const WriteScope& scope);

}  // namespace flow::rt

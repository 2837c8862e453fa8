#pragma once
// How an agent's write scope becomes what the kernel allows (landlock.h), and what is left for
// the check after the call (write_scope.h).
//
// Inside the working tree the agent may write where its `writes` patterns lead: all of `X/`
// for a pattern `X/**`, the file itself for a pattern naming one, and for a pattern with a
// wildcard further in (`src/*.py`) the directory before the wildcard, which the check after
// the call then looks through. Everything outside the tree stays writable (the scope is a
// promise about the repository): every file and directory that exists there when the call
// starts, which is all of it but new entries made directly in a directory that holds the tree.
// The agent gets a private temporary directory when the usual one holds the tree.
#include <string>
#include <vector>

#include "runtime/processes/landlock.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {

// What a glob pattern of a scope leads to on the file system.
struct PatternReach {
  std::string dir;   // the directory before the first wildcard ("" = the tree itself)
  bool exact = false;        // no wildcard: the pattern names one path (`dir` is that path)
  bool whole_dir = false;    // `DIR/**`: everything under `dir`, exactly what the kernel allows
};
PatternReach pattern_reach(std::string pattern);

struct ScopeSandbox {
  WriteGrants grants;
  // Directories of the tree (relative, "" = all of it) where the kernel lets the agent write
  // more than its patterns say: the check after the call looks there, and only there.
  std::vector<std::string> check;
  // What was made for the call, absolute: the directories a `DIR/**` pattern names and the
  // files a pattern names that did not exist (the kernel can only allow what exists). Removed
  // after the call when still empty and no other call uses them.
  std::vector<std::string> made;
  std::string tmpdir;  // the agent's TMPDIR, made for the call; "" = the usual one
};

// The sandbox of `scope` in the working tree `tree` (an absolute path without links). `git`:
// the agent may also write the repository's .git (a scope that writes somewhere may commit).
// False with `error` when a directory or file of the scope cannot be made.
bool plan_sandbox(const WriteScope& scope, const std::string& tree, bool git, ScopeSandbox* out,
                  std::string* error);

// After the call: removes what plan_sandbox made that is still empty and unused.
void end_sandbox(const ScopeSandbox& sandbox);

// Every existing entry outside `tree`: for each directory from / down to the tree's parent,
// its entries but the one leading to the tree. Links are left out (they may lead into it).
std::vector<std::string> outside_tree(const std::string& tree);

}  // namespace flow::rt

#pragma once
// What `flow __complete WHAT ...` lists for the shell completion scripts (the protocol is in
// cli/completion.h): the standard library's flows, a run's steps, the steps a run waits on,
// a flow's inputs. Here, beside the compiler, because a flow's inputs need it.
#include <string>
#include <utility>
#include <vector>

namespace flow::front {

using CompletionWords = std::vector<std::pair<std::string, std::string>>;  // word, description

// `args` are the words after `__complete`. Reads nothing it cannot read quickly and safely
// (no standard input, no FIFO); what it cannot read lists nothing. False for an unknown WHAT.
bool completion_words(const std::vector<std::string>& args, CompletionWords* words);

}  // namespace flow::front

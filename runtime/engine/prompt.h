#pragma once
// Composing what an agent is asked (docs/runtime.md, "Prompts"). Pure string building: the
// scheduler gathers the pieces (it knows the DAG and the outputs) and saves the result.
#include <cstddef>
#include <string>
#include <vector>

#include "ir/ir.h"
#include "runtime/engine/inputs.h"

namespace flow::rt {

struct Upstream {
  std::string step;
  std::string file;          // output file: absolute for listed entries (agents read it)
  const std::string* text;   // the output; for a listed entry, non-null asks for an excerpt
};

// A listed output that was too big to include (and is longer than the excerpt) gets an
// excerpt: its first kExcerptHead and last kExcerptTail bytes (docs/runtime.md, "Prompts"),
// for at most kMaxExcerpts outputs a prompt.
constexpr size_t kExcerptHead = 4096, kExcerptTail = 2048, kMaxExcerpts = 4;

// How much upstream output a prompt carries in full; the rest is listed by name and file.
struct ContextBudget {
  size_t max_bytes = 256 * 1024;
  size_t max_full = 64;
  size_t max_listed = 64;
};

struct Context {
  std::vector<Upstream> full;    // nearest first
  std::vector<Upstream> listed;  // beyond the budget: named only
  bool more = false;             // even more upstream steps exist beyond `listed`
};

std::string compose_prompt(const ir::Agent& agent, const InputValues& inputs,
                           const Context& context, const std::string& focus,
                           const std::string& feedback);

// The reviewer sees the work under review in place of upstream context, then how to answer.
std::string compose_review_prompt(const ir::Agent& reviewer, const InputValues& inputs,
                                  const std::string& target, const Context& work, int attempt);

extern const char* const kVerdictInstructions;

// The same prompts in two parts, for backends that take a system prompt: the agent's own
// instructions, and the task (inputs, context, focus, feedback; for a review the work and how
// to answer). compose_prompt is the two joined.
std::string agent_instructions(const ir::Agent& agent);
std::string compose_task(const InputValues& inputs, const Context& context,
                         const std::string& focus, const std::string& feedback);
std::string compose_review_task(const InputValues& inputs, const std::string& target,
                                const Context& work, int attempt);

// The same with the run's inputs composed once: every prompt of a run shows the same inputs,
// and a list input of 1,000 items is about 10 KB of text to compose per call otherwise.
// inputs_section(inputs) is that part ("" without inputs); compose_task(inputs, ...) is
// compose_task_after(inputs_section(inputs), ...), and likewise for a review.
std::string inputs_section(const InputValues& inputs);
std::string compose_task_after(const std::string& inputs_section, const Context& context,
                               const std::string& focus, const std::string& feedback);
std::string compose_review_task_after(const std::string& inputs_section,
                                      const std::string& target, const Context& work,
                                      int attempt);
// The whole prompt from an already composed task, so a backend that takes the parts needs the
// task composed only once: compose_prompt(agent, inputs, ...) is
// prompt_with_task(agent, compose_task(inputs, ...)), and likewise for a review.
std::string prompt_with_task(const ir::Agent& agent, const std::string& task);
std::string review_prompt_with_task(const ir::Agent& reviewer, const std::string& task);

// The task as a user message: leading blank lines dropped, never empty.
std::string as_user_message(std::string task);

}  // namespace flow::rt

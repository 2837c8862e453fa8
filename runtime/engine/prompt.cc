#include "runtime/engine/prompt.h"

#include <fmt/format.h>

#include "lang/text.h"

namespace flow::rt {

const char* const kVerdictInstructions =
    "Review the work above. End your answer with one line that reads exactly\n"
    "`VERDICT: PASS` if the work is acceptable, or `VERDICT: FAIL` if it must be redone.\n"
    "After a FAIL, say precisely what to change: your feedback is sent back with the work.\n";

namespace {

void append_excerpt(std::string& out, const Upstream& u) {
  const std::string& t = *u.text;
  out += fmt::format("\n### {} (excerpt of {} bytes; the whole output is in {})\n\n", u.step,
                     t.size(), u.file);
  if (t.size() <= kExcerptHead + kExcerptTail) {
    out += t;
  } else {
    size_t head = text::utf8_boundary(t, kExcerptHead);
    size_t tail = text::utf8_boundary(t, t.size() - kExcerptTail);
    out.append(t, 0, head);
    out += fmt::format("\n\n[... {} bytes left out ...]\n\n", tail - head);
    out.append(t, tail, std::string::npos);
  }
  if (!t.empty() && t.back() != '\n') out += '\n';
}

void append_context(std::string& out, const Context& c, const char* heading) {
  if (c.full.empty() && c.listed.empty()) return;
  out += fmt::format("\n\n# {}\n", heading);
  for (const Upstream& u : c.full) {
    out += fmt::format("\n## {}\n\n", u.step);
    out += *u.text;
    if (!u.text->empty() && u.text->back() != '\n') out += '\n';
  }
  if (!c.listed.empty()) {
    out += "\n## Further upstream outputs (not included, to keep this prompt short)\n\n";
    for (const Upstream& u : c.listed) out += fmt::format("- {}: {}\n", u.step, u.file);
    for (const Upstream& u : c.listed)
      if (u.text) append_excerpt(out, u);
  }
  if (c.more) out += "\nMore upstream steps exist; their outputs are in the run directory.\n";
}

std::string trimmed_end(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string inputs_section(const InputValues& inputs) {
  std::string out;
  if (inputs.empty()) return out;
  out += "\n\n# Inputs\n\n";
  for (const auto& [name, value] : inputs) {
    std::string text = input_text(value);
    if (text.find('\n') == std::string::npos) out += fmt::format("- {}: {}\n", name, text);
    else out += fmt::format("- {}:\n\n{}\n\n", name, text);
  }
  return out;
}

std::string agent_instructions(const ir::Agent& agent) {
  std::string out = trimmed_end(agent.prompt);
  if (out.empty())
    out = agent.role == "reviewer" ? "You are the reviewer `" + agent.name + "`."
                                   : "You are the agent `" + agent.name + "`.";
  return out;
}

std::string compose_task(const InputValues& inputs, const Context& context,
                         const std::string& focus, const std::string& feedback) {
  return compose_task_after(inputs_section(inputs), context, focus, feedback);
}

std::string compose_task_after(const std::string& inputs, const Context& context,
                               const std::string& focus, const std::string& feedback) {
  std::string out = inputs;
  append_context(out, context, "Outputs of earlier steps");
  if (!focus.empty()) out += fmt::format("\n\n# Focus\n\n{}\n", focus);
  if (!feedback.empty())
    out += fmt::format(
        "\n\n# Feedback from review\n\nYour previous attempt was sent back. Address this "
        "feedback:\n\n{}\n",
        trimmed_end(feedback));
  return out;
}

std::string compose_review_task(const InputValues& inputs, const std::string& target,
                                const Context& work, int attempt) {
  return compose_review_task_after(inputs_section(inputs), target, work, attempt);
}

std::string compose_review_task_after(const std::string& inputs, const std::string& target,
                                      const Context& work, int attempt) {
  std::string out = inputs;
  append_context(out, work, fmt::format("Work under review: {} (attempt {})", target, attempt).c_str());
  out += "\n\n# How to answer\n\n";
  out += kVerdictInstructions;
  return out;
}

std::string compose_prompt(const ir::Agent& agent, const InputValues& inputs,
                           const Context& context, const std::string& focus,
                           const std::string& feedback) {
  return prompt_with_task(agent, compose_task(inputs, context, focus, feedback));
}

std::string prompt_with_task(const ir::Agent& agent, const std::string& task) {
  std::string out = trimmed_end(agent.prompt);
  if (out.empty()) out = "You are the agent `" + agent.name + "`.";
  out += task;
  if (out.back() != '\n') out += '\n';
  return out;
}

std::string compose_review_prompt(const ir::Agent& reviewer, const InputValues& inputs,
                                  const std::string& target, const Context& work, int attempt) {
  return review_prompt_with_task(reviewer, compose_review_task(inputs, target, work, attempt));
}

std::string review_prompt_with_task(const ir::Agent& reviewer, const std::string& task) {
  std::string out = trimmed_end(reviewer.prompt);
  if (out.empty()) out = "You are the reviewer `" + reviewer.name + "`.";
  out += task;
  return out;
}

std::string as_user_message(std::string task) {
  size_t start = task.find_first_not_of('\n');
  task.erase(0, start == std::string::npos ? task.size() : start);
  if (task.empty()) return "Do the work your instructions describe.\n";
  if (task.back() != '\n') task += '\n';
  return task;
}

}  // namespace flow::rt

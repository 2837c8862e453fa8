#include "runtime/engine/prompt.h"

#include <catch2/catch.hpp>

using namespace flow;
using namespace flow::rt;

TEST_CASE("a prompt is agent prompt, inputs, upstream outputs, focus, feedback, in order") {
  ir::Agent a;
  a.name = "planner";
  a.prompt = "Write a plan.\n";
  std::string research = "Use JWT.", summary = "Login feature.";
  Context c;
  c.full = {{"research", "steps/research.a1.output.md", &research},
            {"summary", "steps/summary.a1.output.md", &summary}};
  std::string p = compose_prompt(a, {{"feature", "login"}, {"areas", nlohmann::json::array({"a", "b"})}},
                                 c, "authentication", "Add tests.");
  CHECK(p ==
        "Write a plan.\n\n# Inputs\n\n- feature: login\n- areas: a, b\n\n\n"
        "# Outputs of earlier steps\n\n## research\n\nUse JWT.\n\n## summary\n\nLogin feature.\n\n\n"
        "# Focus\n\nauthentication\n\n\n"
        "# Feedback from review\n\nYour previous attempt was sent back. Address this feedback:\n\n"
        "Add tests.\n");
}

TEST_CASE("outputs beyond the budget are listed by name and file") {
  ir::Agent a;
  a.name = "x";
  std::string big = "0123456789";
  Context c;
  c.full = {{"one", "steps/one.a1.output.md", &big}};
  c.listed = {{"two", "steps/two.a1.output.md", nullptr}};
  c.more = true;
  std::string p = compose_prompt(a, {}, c, "", "");
  CHECK(p ==
        "You are the agent `x`.\n\n# Outputs of earlier steps\n\n## one\n\n0123456789\n\n"
        "## Further upstream outputs (not included, to keep this prompt short)\n\n"
        "- two: steps/two.a1.output.md\n\n"
        "More upstream steps exist; their outputs are in the run directory.\n");
}

TEST_CASE("a review prompt shows the work and asks for a verdict line") {
  ir::Agent r;
  r.name = "critic";
  r.prompt = "Be strict.";
  std::string draft = "Hello.";
  Context work;
  work.full = {{"draft", "steps/draft.a2.output.md", &draft}};
  std::string p = compose_review_prompt(r, {}, "draft", work, 2);
  CHECK(p.rfind("Be strict.\n\n# Work under review: draft (attempt 2)\n\n## draft\n\nHello.\n", 0) == 0);
  CHECK(p.find("`VERDICT: PASS`") != std::string::npos);
  CHECK(p.find("`VERDICT: FAIL`") != std::string::npos);
}

TEST_CASE("a task composed once with the inputs composed once gives the same prompts") {
  ir::Agent a;
  a.name = "writer";
  ir::Agent bare;
  bare.name = "bare";
  ir::Agent r;
  r.name = "critic";
  r.role = "reviewer";
  std::string up = "Earlier work.";
  Context c;
  c.full = {{"up", "steps/up.a1.output.md", &up}};
  InputValues inputs{{"items", nlohmann::json::array({"one", "two"})}, {"note", "a\nb"}};
  for (const InputValues& in : {inputs, InputValues{}}) {
    std::string section = inputs_section(in);
    CHECK(section.empty() == in.empty());
    for (const ir::Agent* agent : {&a, &bare}) {
      std::string task = compose_task_after(section, c, "item one", "Be shorter.");
      CHECK(task == compose_task(in, c, "item one", "Be shorter."));
      CHECK(prompt_with_task(*agent, task) ==
            compose_prompt(*agent, in, c, "item one", "Be shorter."));
      CHECK(prompt_with_task(*agent, compose_task_after(section, {}, "", "")) ==
            compose_prompt(*agent, in, {}, "", ""));
    }
    std::string review = compose_review_task_after(section, "draft", c, 3);
    CHECK(review == compose_review_task(in, "draft", c, 3));
    CHECK(review_prompt_with_task(r, review) == compose_review_prompt(r, in, "draft", c, 3));
  }
}

#include "runtime/terminal/step_progress.h"

#include <catch2/catch.hpp>

using namespace flow;
using namespace flow::rt;

namespace {

// plan (gated by plan/gate) and build in stage `one`; ship in stage `two`.
ir::Flow progress_flow() {
  ir::Flow f;
  f.stages = {{"one", {0, 1, 2}, {}, {}}, {"two", {3}, {}, {}}};
  f.nodes.resize(4);
  const char* names[] = {"plan", "plan/gate", "build", "ship"};
  for (uint32_t i = 0; i < 4; ++i) {
    f.nodes[i].id = i;
    f.nodes[i].name = names[i];
    f.nodes[i].stage = i < 3 ? 0 : 1;  // f.stages: one, two
  }
  f.nodes[1].set_kind(ir::NodeKind::Gate);
  f.nodes[1].gate().target = "plan";
  f.nodes[1].gate().members = {0};
  return f;
}

}  // namespace

TEST_CASE("a gated step counts as finished once its gate has passed") {
  ir::Flow f = progress_flow();
  StepProgress p(f);
  CHECK(p.total() == 3);  // the gate is no step
  CHECK(p.stages()[0].total == 2);
  p.finished("plan");
  CHECK(p.finished_count() == 0);  // under review
  p.finished("plan/gate");
  CHECK(p.finished_count() == 1);
  CHECK(p.stages()[0].finished == 1);
  p.finished("plan/gate");  // twice is once
  CHECK(p.finished_count() == 1);
}

TEST_CASE("a step sent back is unfinished until it passes again") {
  ir::Flow f = progress_flow();
  StepProgress p(f);
  p.finished("plan");
  p.finished("plan/gate");
  p.unfinished("plan");
  p.unfinished("plan/gate");
  CHECK(p.finished_count() == 0);
  p.finished("plan/gate");  // a gate recorded before its step (a resumed run's order)
  CHECK(p.finished_count() == 0);
  p.finished("plan");
  CHECK(p.finished_count() == 1);
}

TEST_CASE("a resumed run starts from what finished before") {
  ir::Flow f = progress_flow();
  StepProgress p(f);
  for (uint32_t id : {0u, 1u, 3u}) p.finished(id);
  CHECK(p.finished_count() == 2);
  CHECK(p.stages()[1].finished == 1);
  CHECK(p.stage_of("build") == "one");
  CHECK(p.stage_of("plan/gate") == "one");
  CHECK(p.stage_of("nothing").empty());
  p.finished("nothing");  // an unknown name changes nothing
  CHECK(p.finished_count() == 2);
}

// The `sim` backend: simulated agents for demos, tests and benchmarks. Every answer starts with
// "(simulated agent)" so nobody mistakes it for real work. The text depends only on the seed,
// the step, the item and the attempt, so a seed replays the same run.
#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "runtime/backends/backend.h"
#include "runtime/processes/write_scope.h"

namespace flow::rt {
namespace {

uint64_t mix(uint64_t h, const std::string& s) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <size_t N>
const char* pick(uint64_t& rng, const char* const (&options)[N]) {
  return options[splitmix(rng) % N];
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Whether the agent holds a writing tool, as the write scopes count them (write_scope.h): no
// `tools` field means every tool.
bool may_write(const AgentRequest& r) {
  static const std::vector<std::string> kNoTools;
  return agent_write_scope(r.tools.has_value(), r.tools ? *r.tools : kNoTools, {}).anywhere;
}

std::string work_for(const AgentRequest& r, uint64_t& rng) {
  static const char* const kAreas[] = {"authentication", "storage", "the public API",
                                       "error handling", "configuration", "observability"};
  static const char* const kFiles[] = {"src/api/handlers.py", "src/models/user.py",
                                       "src/services/tokens.py", "migrations/0042_add_tokens.sql",
                                       "src/config/settings.py", "tests/test_tokens.py"};
  const std::string& a = r.agent;
  std::string title = r.step + (r.index >= 0 ? fmt::format(" (item {})", r.index + 1) : "");
  std::string out = fmt::format("(simulated agent)\n\n# {} — attempt {}\n\n", title, r.attempt);
  if (contains(a, "plan")) {
    out += fmt::format(
        "## Plan\n\n1. Extend {} with the new behaviour behind a feature flag.\n"
        "2. Add the data model changes and a migration.\n3. Cover {} with unit tests.\n\n"
        "## Risks\n\n- Changes to {} need a careful rollout.\n",
        pick(rng, kAreas), pick(rng, kAreas), pick(rng, kAreas));
  } else if (contains(a, "research") || contains(a, "analy")) {
    out += fmt::format(
        "## Findings\n\n- The existing code already handles {}; reuse it.\n"
        "- Option A is simpler; option B scales further.\n\n## Recommendation\n\n"
        "Use option A for {}.\n",
        pick(rng, kAreas), pick(rng, kAreas));
  } else if (contains(a, "test")) {
    out += fmt::format("## Tests\n\n- `{}`: 12 passed, 0 failed.\n- Coverage of {} is 87%.\n",
                       pick(rng, kFiles), pick(rng, kAreas));
  } else if (contains(a, "summar")) {
    out += fmt::format("## Summary\n\nThe request asks for changes to {} and {}.\n",
                       pick(rng, kAreas), pick(rng, kAreas));
  } else if (contains(a, "submi") || contains(a, "deploy")) {
    out += "## Submission\n\n- Branch pushed.\n- Pull request opened for review.\n";
  } else if (!may_write(r)) {
    // An agent without writing tools cannot have changed a file: its answer names none.
    out += fmt::format("## Notes\n\nRead the code of {} and {}; the change fits the plan as "
                       "written.\n",
                       pick(rng, kAreas), pick(rng, kAreas));
  } else {
    // Two different files: the second is drawn from the five the first left.
    size_t first = splitmix(rng) % std::size(kFiles);
    size_t second = (first + 1 + splitmix(rng) % (std::size(kFiles) - 1)) % std::size(kFiles);
    out += fmt::format("## Files changed\n\n- `{}`\n- `{}`\n\n## Notes\n\nImplemented the "
                       "change to {} as planned.\n",
                       kFiles[first], kFiles[second], pick(rng, kAreas));
  }
  if (r.prompt.find("# Feedback from review") != std::string::npos)
    out += "\n## Rework\n\nAddressed the reviewer's feedback.\n";
  return out;
}

class SimBackend : public Backend {
 public:
  explicit SimBackend(SimOptions o) : o_(std::move(o)) {}
  std::string name() const override { return "sim"; }
  bool simulated() const override { return true; }

  AgentResult call(const AgentRequest& r, Cancel* cancel) override {
    AgentResult res = answer(r, cancel);
    // What the call "cost" (`--sim-cost`, `--sim-tokens`): budgets are tested on sim.
    if (o_.cost_per_call > 0 || o_.tokens_per_call > 0) {
      res.usage.known = true;
      res.usage.cost_usd = o_.cost_per_call;
      res.usage.input_tokens = o_.tokens_per_call;
      res.usage.num_turns = 1;
    }
    return res;
  }

 private:
  AgentResult answer(const AgentRequest& r, Cancel* cancel) const {
    uint64_t rng = mix(mix(o_.seed * 0x100000001b3ull + 7, r.step), r.agent) ^
                   (static_cast<uint64_t>(r.attempt) << 32) ^
                   static_cast<uint64_t>(r.index + 1);
    splitmix(rng);
    int latency = o_.latency_min_ms;
    if (o_.latency_max_ms > o_.latency_min_ms)
      latency += static_cast<int>(splitmix(rng) % (o_.latency_max_ms - o_.latency_min_ms + 1));
    AgentResult res;
    if (latency > 0 && cancel && !cancel->sleep_for(latency)) {
      res.error = "interrupted";
      return res;
    }
    if (!r.review) {
      for (const std::string& s : o_.fail_step)
        if (s == r.step) {
          res.output = "(simulated agent)\n";
          res.error = "simulated failure of step " + r.step + " (--sim-fail-step)";
          return res;
        }
      res.ok = true;
      res.output = work_for(r, rng) + chosen_items(r) + own_verdict(r);
      return res;
    }
    res.ok = true;
    for (const SimFailReview& f : o_.fail_review)
      if (review_fails(f, r)) {
        res.output = fmt::format(
            "(simulated agent)\n\n## Review of {} — attempt {}\n\n"
            "- The work does not cover error handling.\n- Tests for the failure paths are "
            "missing.\n\nVERDICT: FAIL\nAdd error handling and tests for the failure paths.\n",
            r.target, r.attempt);
        return res;
      }
    res.output = fmt::format(
        "(simulated agent)\n\n## Review of {} — attempt {}\n\n- {}\n\nVERDICT: PASS\n", r.target,
        r.attempt,
        pick(rng, {"Complete and consistent with the plan.", "Clear, tested, ready to go.",
                   "Meets the requirements."}));
    return res;
  }

  // `--sim-fail-review STEP[K]:N` fails the first N evaluations of the review of STEP (or item
  // K of it, for a per-item gate).
  static bool review_fails(const SimFailReview& f, const AgentRequest& r) {
    SimTarget t = sim_target(f.step);
    if ((t.name != r.target && t.name != r.step) || r.attempt > f.times) return false;
    return t.item == 0 || (r.item_review && t.item == r.index + 1);
  }

  // A step that a fan-out reads chooses items, one `ITEM:` line each: K with
  // `--sim-items STEP:K` (more than the cap, to test that), else two.
  std::string chosen_items(const AgentRequest& r) const {
    static const char* const kTopics[] = {"authentication", "data storage", "API design",
                                          "performance", "observability", "deployment"};
    if (r.item_cap <= 0) return "";
    int count = std::min(r.item_cap, 2);  // without --sim-items: two, or the cap if lower
    for (const SimFailReview& f : o_.items)
      if (f.step == r.step) count = f.times;
    std::string out = "\n## Chosen\n\n";
    for (int k = 0; k < count; ++k)
      out += k < 6 ? fmt::format("ITEM: {}\n", kTopics[k]) : fmt::format("ITEM: topic {}\n", k + 1);
    return out;
  }

  // A step judged by its own verdict (`check verdict`) ends with one: FAIL for the first N
  // attempts when `--sim-fail-review` names the step, its gate or the gate's target.
  std::string own_verdict(const AgentRequest& r) const {
    if (r.verdict_gate.empty()) return "";
    for (const SimFailReview& f : o_.fail_review)
      if ((f.step == r.step || f.step == r.verdict_gate || f.step == r.target) &&
          r.attempt <= f.times)
        return fmt::format("\n## Verdict\n\n- 3 of 40 acceptance checks fail on attempt {}.\n\n"
                           "VERDICT: FAIL\nFix the failing acceptance checks of {}.\n",
                           r.attempt, r.step);
    return "\nVERDICT: PASS\n";
  }

  SimOptions o_;
};

bool parse_int(const std::string& s, int* out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *out = std::atoi(s.c_str());
  return true;
}

}  // namespace

bool parse_sim_latency(const std::string& text, int* min_ms, int* max_ms) {
  size_t dash = text.find('-');
  if (dash == std::string::npos) {
    if (!parse_int(text, min_ms)) return false;
    *max_ms = *min_ms;
    return true;
  }
  return parse_int(text.substr(0, dash), min_ms) && parse_int(text.substr(dash + 1), max_ms) &&
         *min_ms <= *max_ms;
}

SimTarget sim_target(const std::string& step) {
  size_t open = step.find('[');
  int item = 0;
  if (open == std::string::npos || step.back() != ']' ||
      !parse_int(step.substr(open + 1, step.size() - open - 2), &item) || item < 1)
    return {step, 0};
  return {step.substr(0, open), item};
}

bool parse_sim_fail_review(const std::string& text, SimFailReview* out) {
  size_t colon = text.rfind(':');
  out->step = text.substr(0, colon);
  out->times = 1;
  if (colon != std::string::npos && !parse_int(text.substr(colon + 1), &out->times)) return false;
  // A `[` starts an item, which must be `[K]` with K from 1 (names never hold one).
  if (out->step.find('[') != std::string::npos && sim_target(out->step).item == 0) return false;
  return !out->step.empty() && out->step[0] != '[';
}

std::unique_ptr<Backend> make_sim_backend(const SimOptions& options) {
  return std::make_unique<SimBackend>(options);
}

}  // namespace flow::rt

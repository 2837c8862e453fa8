#!/usr/bin/env python3
"""Checks and runs every example in examples/ on simulated agents.

Each examples/*.flow must pass `flowc check` with no warning and complete `flow run --yes` on
the sim backend with zero latency (exit 0, run_end `succeeded`). Some examples also get assertions on what they
are meant to teach, read from the run's events.jsonl.

Usage: run_examples.py FLOWC FLOW SOURCE_DIR
"""
import glob
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stdlib"))
from flowtest import Run, check_clean, expect, finish, main_guard  # noqa: E402

# Inputs for examples whose inputs have no default.
INPUTS = {
    "hello": ["--input", "question=What makes a commit message useful?"],
}


def teaches_hello(r):
    expect(r.agent_steps() == ["helper"], f"hello ran {r.agent_steps()}")


def teaches_parallel(r):
    steps = ["cost-research", "reliability-research", "operations-research"]
    ivs = [r.interval(s) for s in steps]
    if expect(None not in ivs, f"research steps missing: {dict(zip(steps, ivs))}"):
        expect(max(i[0] for i in ivs) < min(i[1] for i in ivs), "the researchers did not overlap")
        writer = r.interval("writer")
        expect(writer is not None and writer[0] > max(i[1] for i in ivs),
               "the writer started before the research finished")


def teaches_review_loop(r):
    verdicts = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="review")]
    expect(verdicts == [(1, "PASS")], f"review-loop verdicts: {verdicts}")


def teaches_command_gate(r):
    checks = r.of("verdict", check="command")
    expect(len(checks) == 1 and checks[0]["verdict"] == "PASS",
           f"expected one passing command check, got {checks}")
    commands = [e for e in r.of("attempt", kind="command") if e.get("ok")]
    expect(len(commands) == 1, f"expected one successful command step, got {commands}")
    if commands:
        expect("running the suite" in r.read(commands[0]["output"]),
               "the command step's output was not recorded")


def teaches_fan_out(r):
    items = r.of("dispatch", kind="agent", step="auditor")
    expect(sorted(e.get("index") for e in items) == [0, 1, 2],
           f"auditor over services: {len(items)} calls, expected 3")
    cross = r.of("dispatch", kind="agent", step="cross-cutting-audit")
    expect(len(cross) == 2, f"auditor over a literal list: {len(cross)} calls, expected 2")
    ends = [e["seq"] for e in r.of("attempt", kind="agent") if e["step"] in ("auditor", "cross-cutting-audit")]
    expect(items and cross and ends and max(e["seq"] for e in items + cross) < min(ends),
           "the five audit calls did not all run at the same time")


def teaches_human_approval(r):
    approvals = r.of("approval")
    expect(len(approvals) == 2 and all(a["approved"] and a["how"] == "--yes" for a in approvals),
           f"expected two approvals given by --yes, got {approvals}")
    build = r.interval("builder")
    expect(build is not None and approvals and build[0] > max(a["seq"] for a in approvals),
           "the builder started before both approvals")


def teaches_policies(r):
    verdicts = r.of("verdict", check="review")
    expect(verdicts and verdicts[0].get("step") == "coder", f"coder was not reviewed: {verdicts}")


def teaches_conditions(r):
    ran = sorted({e["step"] for e in r.of("done")})
    expect(ran == ["full-notes", "lenient", "planner", "release", "validate"], f"conditions ran {ran}")
    skipped = {e["step"] for e in r.of("skip")}
    expect(skipped == {"explain", "short-notes"}, f"conditions skipped {skipped}")
    out = [e for e in r.of("attempt", kind="command", step="release") if e.get("ok")]
    if expect(out, "the release command did not run"):
        expect(r.read(out[0]["output"]) == "Releasing: Export invoices as CSV\n",
               "the release command did not print the feature from its environment")


def conditions_otherwise(flow, path):
    """With strict validation the check fails, the gate accepts the work unapproved, and the
    flow takes the other branch: `explain` instead of `release`, short notes instead of full."""
    r = Run(flow, path, ["--input", "strict=true", "--input", "mode=fast"])
    expect(r.code == 0, f"conditions, strict and fast\n{r.describe()}")
    expect(r.of("gate_pass", unapproved=True), "the validation gate was not accepted unapproved")
    skipped = {e["step"] for e in r.of("skip")}
    expect(skipped == {"release", "full-notes", "lenient"}, f"strict run skipped {skipped}")


def teaches_chosen_topics(r):
    chosen = r.of("items", step="researcher")
    expect(len(chosen) == 1 and chosen[0]["items"] == ["authentication", "data storage", "API design"]
           and chosen[0]["from"] == "topics" and chosen[0]["cap"] == 4,
           f"the planner's chosen items: {chosen}")
    calls = r.of("dispatch", kind="agent", step="researcher")
    expect(sorted(e.get("index") for e in calls) == [0, 1, 2],
           f"researcher over topics: {len(calls)} calls, expected 3")
    verdicts = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="verdict")]
    expect(verdicts == [(1, "FAIL"), (2, "PASS")], f"the tester's own verdicts: {verdicts}")
    retries = r.of("retry")
    expect(len(retries) == 1 and retries[0]["steps"] == ["builder", "tester"],
           f"the failed verdict did not send the work back to the builder: {retries}")
    builds = [e["attempt"] for e in r.of("dispatch", kind="agent", step="builder")]
    expect(builds == [1, 2], f"builder attempts: {builds}")


# Overlap can only be seen when calls take time and enough of them may run at once; these
# examples are run a second time with latency for their assertions.
TEACH_ARGS = {
    "parallel-research": ["--jobs", "8", "--sim-latency", "30"],
    "fan-out": ["--jobs", "8", "--sim-latency", "30"],
    "chosen-topics": ["--sim-items", "topics:3", "--sim-fail-review", "tester:1"],
}

TEACHES = {
    "hello": teaches_hello,
    "parallel-research": teaches_parallel,
    "review-loop": teaches_review_loop,
    "command-gate": teaches_command_gate,
    "fan-out": teaches_fan_out,
    "human-approval": teaches_human_approval,
    "with-policies": teaches_policies,
    "conditions": teaches_conditions,
    "chosen-topics": teaches_chosen_topics,
}


def review_loop_rework(flow, path):
    """The review-loop example with two forced failures: fail, fail, pass, exit 0."""
    r = Run(flow, path, ["--yes", "--sim-fail-review", "drafter:2"])
    expect(r.code == 0, f"review-loop with two failed reviews\n{r.describe()}")
    verdicts = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="review")]
    expect(verdicts == [(1, "FAIL"), (2, "FAIL"), (3, "PASS")],
           f"review-loop with two failures: verdicts {verdicts}")


FAKE_AGENT = """#!/bin/sh
# Reads the prompt on stdin, answers on stdout.
prompt=$(cat)
echo "Answer from $FLOW_AGENT for step $FLOW_STEP (attempt $FLOW_ATTEMPT)."
echo "The prompt had $(printf '%s' "$prompt" | wc -l) lines."
if [ "$FLOW_REVIEW" = 1 ]; then
  echo "VERDICT: PASS"
fi
"""


def tutorial_command_backend(flow, src):
    """The tutorial's stand-in agent, driven through the `command` backend by flow.yaml."""
    import tempfile
    work = tempfile.mkdtemp(prefix="flowtest-command-")
    with open(os.path.join(work, "fake-agent.sh"), "w") as f:
        f.write(FAKE_AGENT)
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write("default_backend: fake\nbackends:\n  fake:\n    command: [sh, fake-agent.sh]\n")
    r = Run(flow, os.path.join(src, "examples", "review-loop.flow"), [], cwd=work, backend=None)
    if not expect(r.code == 0, f"the tutorial's command backend run failed\n{r.describe()}"):
        return
    starts = r.of("run_start")
    expect(starts and starts[0].get("simulated") is False, f"the run was simulated: {starts}")
    outputs = [e for e in r.of("attempt", kind="agent", step="drafter") if e.get("ok")]
    if expect(outputs, "the drafter produced no output"):
        text = r.read(outputs[0]["output"])
        expect("Answer from drafter for step drafter (attempt 1)." in text,
               f"the drafter's output is not the fake agent's answer:\n{text}")
    verdicts = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="review")]
    expect(verdicts == [(1, "PASS")], f"the fake reviewer's verdicts: {verdicts}")


def tutorial_snippets(flowc, flow, src):
    """The complete flows in docs/tutorial.md check clean, and its first one runs."""
    import re
    import tempfile
    text = open(os.path.join(src, "docs", "tutorial.md"), encoding="utf-8").read()
    blocks = re.findall(r"```flow\n(.*?)```", text, re.S)
    if not expect(len(blocks) >= 8, f"docs/tutorial.md has {len(blocks)} flow snippets, expected 8"):
        return
    hello = blocks[0]
    with_critic = blocks[1]  # the tutorial shows hello.flow again, whole, with its critic
    complete = {"hello": hello, "hello-with-critic": with_critic, "research": blocks[2],
                "policies": blocks[7]}
    work = tempfile.mkdtemp(prefix="flowtest-tutorial-")
    for name, body in complete.items():
        path = os.path.join(work, name + ".flow")
        with open(path, "w", encoding="utf-8") as f:
            f.write(body)
        if check_clean(flowc, path) and name == "hello-with-critic":
            r = Run(flow, path, ["--input", "question=Why?", "--sim-fail-review", "helper:1"])
            verdicts = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="review")]
            expect(r.code == 0 and verdicts == [(1, "FAIL"), (2, "PASS")],
                   f"the tutorial's review loop: verdicts {verdicts}\n{r.describe()}")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    flowc, flow, src = sys.argv[1:]
    files = sorted(glob.glob(os.path.join(src, "examples", "*.flow")))
    expect(len(files) >= 6, f"only {len(files)} examples")
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"--- {name}", flush=True)
        if not check_clean(flowc, path):
            continue
        r = Run(flow, path, ["--yes"] + INPUTS.get(name, []))
        ok = expect(r.code == 0, f"{name}: flow run failed\n{r.describe()}")
        end = r.of("run_end")
        ok = expect(end and end[-1]["status"] == "succeeded", f"{name}: run_end {end}") and ok
        if ok and name in TEACH_ARGS:
            r = Run(flow, path, ["--yes"] + INPUTS.get(name, []) + TEACH_ARGS[name])
            ok = expect(r.code == 0, f"{name}: flow run with latency failed\n{r.describe()}")
        if ok and name in TEACHES:
            TEACHES[name](r)
        if name == "review-loop":
            review_loop_rework(flow, path)
        if name == "conditions":
            conditions_otherwise(flow, path)
    print("--- tutorial: snippets", flush=True)
    tutorial_snippets(flowc, flow, src)
    print("--- tutorial: command backend", flush=True)
    tutorial_command_backend(flow, src)
    missing = sorted(set(TEACHES) - {os.path.splitext(os.path.basename(p))[0] for p in files})
    expect(not missing, f"examples missing: {missing}")
    return finish("examples")


if __name__ == "__main__":
    main_guard(main)

#!/usr/bin/env python3
"""Gates that keep their word, end to end on simulated agents: `flow resume` of a run whose
gate ran out of retries sends the work back with the gate's last feedback and a fresh budget,
never asking the reviewer again about the same work, and costs at most the worst case that
`--dry-run` prints; a refused approval gate is resumed the same way. `review each` on a fan-out
reviews each item on its own and re-runs only the item that failed.

usage: gates_test.py PATH/TO/flow
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowtest import check, failures  # noqa: E402

HELPED = """flow helped "A helper's work is reviewed"
agent helper < description "Helps"; tools Read; prompt "Help." >
agent critic < description "Reviews"; role reviewer; tools Read; prompt "Judge it." >
stage s helper review critic retries 2
"""

APPROVED = """flow approved "A person approves the helper's work"
agent helper < description "Helps"; tools Read; prompt "Help." >
stage s helper approve "Is it good?" retries 1
"""


EACH = """flow each "Each area is written and reviewed on its own"
input areas: list = ["auth", "storage", "api"] "Areas to write about"
agent writer < description "Writes"; tools Read; prompt "Write it." >
agent critic < description "Reviews"; role reviewer; tools Read; prompt "Judge it." >
stage w writer over areas review each critic retries 2
"""


def events_of(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def of(events, name, **fields):
    return [e for e in events if e["event"] == name and all(e.get(k) == v for k, v in fields.items())]


def the_run(root, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        runs = [d for d in os.listdir(root)] if os.path.isdir(root) else []
        if len(runs) == 1 and os.path.exists(os.path.join(root, runs[0], "run.json")):
            return runs[0]
        time.sleep(0.05)
    check(False, f"no single run under {root}")
    return None


def flow_cmd(flow, work, *args):
    return subprocess.run([flow, *args], cwd=work, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_resume_after_exhausted(flow, work):
    root = os.path.join(work, "runs-exhausted")
    r = flow_cmd(flow, work, "run", "helped.flow", "--sim-fail-review", "helper:9", "--run-dir", root)
    check(r.returncode == 1, f"the gate runs out of retries: exit 1, got {r.returncode}: {r.stderr}")
    run = the_run(root)
    if run is None:
        return
    run_dir = os.path.join(root, run)
    before = events_of(run_dir)
    exhausted = of(before, "exhausted")
    check(len(exhausted) == 1 and len(of(before, "dispatch", step="helper")) == 3,
          f"three attempts, then exhausted: {exhausted}")
    last_feedback = exhausted[0]["feedback"] if exhausted else "?"
    check("Add error handling" in last_feedback, f"the last feedback is recorded: {last_feedback}")
    check(f"flow resume {run} (it sends `helper` back with this feedback and a fresh budget of "
          "`retries 2`" in r.stdout + r.stderr, f"the report says what resume does: {r.stderr}")

    r = flow_cmd(flow, work, "resume", run, "--run-dir", root)
    out = r.stdout + r.stderr
    check(r.returncode == 1, f"the reviewer still fails it: exit 1, got {r.returncode}: {out}")
    check("rework helper/gate: resumed after the gate ran out of retries; sent back with its last "
          "feedback" in out, f"the resume's output says the work is sent back: {out}")
    after = events_of(run_dir)[len(before):]
    # The helper first (attempt 4), then each attempt judged once: no review of the work that
    # was already judged, and a fresh budget of two retries.
    calls = [(e["step"], e["attempt"]) for e in of(after, "dispatch")]
    check(calls == [("helper", 4), ("helper/gate", 4), ("helper", 5), ("helper/gate", 5),
                    ("helper", 6), ("helper/gate", 6)],
          f"the resumed run reworks, then judges each new attempt once: {calls}")
    rework = of(after, "rework")
    check(len(rework) == 1 and rework[0]["gate"] == "helper/gate" and rework[0]["steps"] == ["helper"]
          and rework[0]["feedback"] == last_feedback and rework[0]["retries"] == 2
          and rework[0]["reason"] == "resumed after the gate ran out of retries",
          f"one rework event with the gate, the steps and the last feedback: {rework}")
    check(after and after[1]["event"] == "rework", f"the rework comes right after run_resume: {after[:2]}")
    prompt = os.path.join(run_dir, "steps", "helper.a4.prompt.md")
    text = read(prompt) if os.path.exists(prompt) else ""
    check("# Feedback from review" in text and last_feedback in text,
          f"the helper's attempt 4 has the last feedback in its prompt: {text[-500:]}")
    check(len(of(after, "retry")) == 2 and len(of(after, "exhausted")) == 1,
          f"a fresh budget: two retries, then exhausted again: {of(after, 'retry')}")
    # One resume costs at most the worst case the checker and --dry-run print.
    dry = flow_cmd(flow, work, "run", "helped.flow", "--dry-run")
    check("Worst-case agent calls: 6" in dry.stdout, f"the dry run's bound: {dry.stdout}")
    check(len(calls) == 6, f"the resume made {len(calls)} calls, the bound is 6")


def start(flow, work, *args):
    """`flow` with no terminal at all (a new session): questions wait for `flow approve`."""
    out = open(os.path.join(work, "approved.out"), "w")
    return subprocess.Popen([flow, *args], cwd=work, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(predicate, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def waits(root, run, count=None):
    """The gate's question is open (for the `count`-th time, when given)."""
    if not os.path.exists(os.path.join(root, run, "approvals", "helper%2Fgate.request")):
        return False
    return count is None or len(of(events_of(os.path.join(root, run)), "approval_wait")) == count


def finished(p, timeout=30):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def test_resume_after_refused_approval(flow, work):
    root = os.path.join(work, "runs-approved")
    p = start(flow, work, "run", "approved.flow", "--run-dir", root)
    run = the_run(root)
    if run is None:
        p.kill()
        p.wait()
        return
    for n in (1, 2):  # retries 1: two refusals exhaust the gate
        check(wait_for(lambda: waits(root, run, n)), f"the approval gate waits ({n})")
        r = flow_cmd(flow, work, "reject", run, "helper/gate", "--feedback", f"more detail {n}",
                     "--run-dir", root)
        check(r.returncode == 0, f"reject {n}: {r.stderr}")
    check(finished(p) == 1, "two refusals exhaust the gate: exit 1")
    run_dir = os.path.join(root, run)
    before = events_of(run_dir)

    p = start(flow, work, "resume", run, "--run-dir", root)
    check(wait_for(lambda: waits(root, run)), "the resumed run asks about new work")
    after = events_of(run_dir)[len(before):]
    calls = [(e["step"], e["attempt"]) for e in of(after, "dispatch")]
    check(calls[:2] == [("helper", 3), ("helper/gate", 3)],
          f"the work is redone before the person is asked again: {calls}")
    prompt = os.path.join(run_dir, "steps", "helper.a3.prompt.md")
    check(os.path.exists(prompt) and "more detail 2" in read(prompt),
          "the person's last answer is the rework's feedback")
    r = flow_cmd(flow, work, "approve", run, "helper/gate", "--run-dir", root)
    check(r.returncode == 0, f"approve: {r.stderr}")
    check(finished(p) == 0, "the resumed run succeeds once approved")


def test_review_each_item(flow, work):
    root = os.path.join(work, "runs-each")
    r = flow_cmd(flow, work, "run", "each.flow", "--sim-fail-review", "writer[2]:1", "--run-dir", root)
    out = r.stdout + r.stderr
    check(r.returncode == 0, f"the run succeeds: exit {r.returncode}: {out}")
    run = the_run(root)
    if run is None:
        return
    run_dir = os.path.join(root, run)
    ev = events_of(run_dir)
    work_calls = sorted((e["index"], e["attempt"]) for e in of(ev, "dispatch", kind="agent"))
    check(work_calls == [(0, 1), (1, 1), (1, 2), (2, 1)],
          f"one extra work call, item 2's attempt 2: {work_calls}")
    reviews = sorted((e["index"], e["attempt"]) for e in of(ev, "dispatch", kind="review"))
    check(reviews == [(0, 1), (1, 1), (1, 2), (2, 1)],
          f"one review per item, and item 2's rework reviewed once more: {reviews}")
    check("FAIL  writer/gate item 2: critic (attempt 1" in out, f"the failed item is named: {out}")
    retries = of(ev, "retry")
    check(len(retries) == 1 and retries[0].get("index") == 1 and retries[0]["steps"] == ["writer"],
          f"one retry, of item 2: {retries}")
    steps = os.path.join(run_dir, "steps")
    again = os.path.join(steps, "writer.a2.i1.prompt.md")
    check(os.path.exists(again) and "Add error handling and tests for the failure paths."
          in read(again), "item 2's attempt 2 has its review's feedback in its prompt")
    for k in range(3):  # each review sees its own item's output, and no other's
        prompt = read(os.path.join(steps, f"writer~gate.a1.i{k}.c0.prompt.md"))
        seen = [j for j in range(3) if f"# writer (item {j + 1}) — attempt" in prompt]
        check(seen == [k], f"review of item {k + 1} sees the outputs of items {[j + 1 for j in seen]}")
    done = of(ev, "done", step="writer")
    combined = read(os.path.join(run_dir, done[-1]["output"])) if done else ""
    for k, area in enumerate(["auth", "storage", "api"]):
        check(f"### writer — {area}" in combined, f"the combined output holds {area}")
    check("# writer (item 2) — attempt 2" in combined and "# writer (item 2) — attempt 1"
          not in combined, "the combined output holds item 2's rework, not its first attempt")
    check(len(of(ev, "gate_pass", gate="writer/gate")) == 1, "the gate passes once")
    dry = flow_cmd(flow, work, "run", "each.flow", "--dry-run")
    check("Worst-case agent calls: 18" in dry.stdout,
          f"the bound counts 3 items × 3 attempts × (1 call + 1 review): {dry.stdout}")
    check("writer/gate on writer: review by critic of each item on its own; retries 2 per item"
          in dry.stdout, f"the dry run says the gate reviews each item: {dry.stdout}")


def main():
    flow = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="flow-gates-")
    try:
        for name, text in (("helped.flow", HELPED), ("approved.flow", APPROVED), ("each.flow", EACH)):
            with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                f.write(text)
        test_resume_after_exhausted(flow, work)
        test_resume_after_refused_approval(flow, work)
        test_review_each_item(flow, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("gates: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

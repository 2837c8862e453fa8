#!/usr/bin/env python3
"""Fan-out over a step's answer and sending work back, end to end on simulated agents:
the chosen items are recorded and drive the fan-out, a malformed or over-cap list fails the
run, and a run killed with SIGKILL in the middle of the fan-out or of a send-back iteration
resumes without losing finished work.

usage: chosen_items_test.py PATH/TO/flow
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowtest import check, failures  # noqa: E402

FLOW = """flow chosen "A planner chooses topics; a tester's verdict sends the work back"
agent planner < description "Chooses topics"; tools Read; prompt "Choose topics." >
agent researcher < description "Researches one topic"; tools Read; prompt "Research it." >
agent builder < description "Builds"; tools Read, Write; writes "src/**"; prompt "Build it." >
agent tester < description "Tests"; tools Read; prompt "Test it." >
stage plan planner as topics
stage research researcher over topics up to 3
stage build < builder; tester check verdict back to builder retries 2 >
"""


def events_of(run_dir):
    path = os.path.join(run_dir, "events.jsonl")
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.endswith("\n"):
                out.append(json.loads(line))
    return out


def only_run(root):
    runs = [d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "run.json"))]
    return os.path.join(root, runs[0]) if len(runs) == 1 else None


def of(events, name, **fields):
    return [e for e in events if e["event"] == name and all(e.get(k) == v for k, v in fields.items())]


def run(flow, work, root, *args):
    return subprocess.run([flow, "run", "chosen.flow", "--run-dir", root, *args], cwd=work,
                          capture_output=True, text=True, timeout=120)


def kill_when(flow, work, root, args, ready, label):
    """Starts a run, SIGKILLs `flow` as soon as `ready(events)` holds, returns the run dir."""
    p = subprocess.Popen([flow, "run", "chosen.flow", "--run-dir", root, *args], cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    run_dir = None
    while time.monotonic() < deadline and p.poll() is None:
        run_dir = run_dir or (only_run(root) if os.path.isdir(root) else None)
        if run_dir and ready(events_of(run_dir)):
            break
        time.sleep(0.01)
    alive = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(alive and run_dir, f"{label}: the run ended before the moment to kill it")
    return run_dir


def test_items_recorded(flow, work):
    r = run(flow, work, os.path.join(work, "plain"), "--sim-items", "topics:3")
    check(r.returncode == 0, f"plain run: exit {r.returncode}\n{r.stderr}")
    check("items researcher: 3 chosen by topics (at most 3)" in r.stdout + r.stderr,
          f"the output does not say what was chosen:\n{r.stdout}{r.stderr}")
    ev = events_of(only_run(os.path.join(work, "plain")))
    items = of(ev, "items", step="researcher")
    check(len(items) == 1 and items[0]["items"] == ["authentication", "data storage", "API design"]
          and items[0]["from"] == "topics" and items[0]["cap"] == 3 and items[0]["attempt"] == 1,
          f"items event: {items}")
    calls = sorted(e["index"] for e in of(ev, "dispatch", step="researcher"))
    check(calls == [0, 1, 2], f"researcher calls: {calls}")
    done = of(ev, "done", step="researcher")
    check(done and done[0].get("items") == 3, f"done of the fan-out: {done}")
    prompt = open(os.path.join(only_run(os.path.join(work, "plain")), "steps",
                               "topics.a1.prompt.md"), encoding="utf-8").read()
    check("`ITEM: `" in prompt and "at most 3 items" in prompt,
          "the planner's prompt does not ask for ITEM lines within the cap")


def test_empty_and_bad_lists(flow, work):
    r = run(flow, work, os.path.join(work, "empty"), "--sim-items", "topics:0")
    check(r.returncode == 0, f"an empty list must not fail the run: exit {r.returncode}\n{r.stderr}")
    ev = events_of(only_run(os.path.join(work, "empty")))
    check(not of(ev, "dispatch", step="researcher"), "an empty list dispatched research")
    done = of(ev, "done", step="researcher")
    check(done and done[0].get("items") == 0, f"done of the empty fan-out: {done}")

    r = run(flow, work, os.path.join(work, "over"), "--sim-items", "topics:4")
    check(r.returncode == 1, f"an over-cap list must fail the run: exit {r.returncode}")
    check("step `researcher` fans out over the answer of `topics`, which is not a usable item "
          "list: 4 items, more than the cap of 3" in r.stdout + r.stderr,
          f"over-cap report:\n{r.stdout}{r.stderr}")
    ev = events_of(only_run(os.path.join(work, "over")))
    check(not of(ev, "dispatch", step="researcher"), "an over-cap list dispatched research")
    fails = of(ev, "fail", step="researcher")
    check(fails and "4 items, more than the cap of 3" in fails[0]["error"], f"fail event: {fails}")

    r = subprocess.run([flow, "run", "chosen.flow", "--sim-items", "topcs:2"], cwd=work,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "flow: --sim-items: no step that a fan-out takes its items from "
          "of this flow is named `topcs`; did you mean `topics`?" in r.stderr,
          f"unknown --sim-items step: exit {r.returncode}\n{r.stderr}")
    r = subprocess.run([flow, "run", "chosen.flow", "--sim-items", "topics"], cwd=work,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and 'flow: --sim-items expects STEP:K, got "topics"' in r.stderr,
          f"--sim-items without K: exit {r.returncode}\n{r.stderr}")


def test_send_back(flow, work):
    r = run(flow, work, os.path.join(work, "back"), "--sim-fail-review", "tester:1")
    check(r.returncode == 0, f"send-back run: exit {r.returncode}\n{r.stderr}")
    run_dir = only_run(os.path.join(work, "back"))
    ev = events_of(run_dir)
    verdicts = [(v["attempt"], v["verdict"]) for v in of(ev, "verdict", check="verdict")]
    check(verdicts == [(1, "FAIL"), (2, "PASS")], f"verdicts: {verdicts}")
    retry = of(ev, "retry", gate="tester/gate")
    check(len(retry) == 1 and retry[0]["steps"] == ["builder", "tester"], f"retry: {retry}")
    builds = [e["attempt"] for e in of(ev, "dispatch", step="builder")]
    check(builds == [1, 2], f"builder attempts: {builds}")
    prompt = open(os.path.join(run_dir, "steps", "builder.a2.prompt.md"), encoding="utf-8").read()
    check(retry and retry[0]["feedback"] in prompt and "acceptance checks fail" in prompt,
          "the builder's second prompt lacks the tester's report")


def test_dry_run(flow, work):
    r = subprocess.run([flow, "run", "chosen.flow", "--dry-run"], cwd=work, capture_output=True,
                       text=True, timeout=60)
    out = r.stdout + r.stderr
    check(r.returncode == 0, f"dry run: exit {r.returncode}\n{out}")
    check("researcher [up to 3 items from topics]" in out, f"the dry run does not say up to 3:\n{out}")
    check("verdict of tester; retries 2, else stop; guards 2 steps; sends back to builder" in out,
          f"the dry run does not show the send-back:\n{out}")
    # planner 1 + researcher 3 (the cap) + (builder + tester) x (1 + retries 2)
    check("Worst-case agent calls: 10" in out, f"the dry run's bound:\n{out}")


def test_kill_during_fanout(flow, work):
    root = os.path.join(work, "kill-fanout")
    args = ["--jobs", "1", "--sim-latency", "300", "--sim-items", "topics:3"]
    run_dir = kill_when(flow, work, root, args,
                        lambda ev: of(ev, "attempt", step="researcher", index=0, ok=True),
                        "kill during the fan-out")
    if not run_dir:
        return
    before = len(events_of(run_dir))
    r = subprocess.run([flow, "resume", "--run-dir", root], cwd=work, capture_output=True,
                       text=True, timeout=120)
    check(r.returncode == 0, f"resume after a kill in the fan-out: exit {r.returncode}\n{r.stderr}")
    ev = events_of(run_dir)
    after = ev[before:]
    check(len(of(ev, "items", step="researcher")) == 1,
          "the resumed run chose the items again instead of using the recorded ones")
    again = [e["index"] for e in of(after, "dispatch", step="researcher")]
    check(again and 0 not in again and set(again) <= {1, 2},
          f"research dispatched after the resume: {again} (item 0 had finished)")
    check(of(ev, "run_end") and ev[-1]["status"] == "succeeded", f"last event: {ev[-1]}")


def test_kill_during_send_back(flow, work):
    root = os.path.join(work, "kill-back")
    args = ["--jobs", "1", "--sim-latency", "300", "--sim-fail-review", "tester:1"]
    run_dir = kill_when(flow, work, root, args,
                        lambda ev: of(ev, "attempt", step="builder", attempt=2, ok=True),
                        "kill during the send-back iteration")
    if not run_dir:
        return
    before = len(events_of(run_dir))
    r = subprocess.run([flow, "resume", "--run-dir", root], cwd=work, capture_output=True,
                       text=True, timeout=120)
    check(r.returncode == 0, f"resume after a kill in a send-back: exit {r.returncode}\n{r.stderr}")
    ev = events_of(run_dir)
    after = ev[before:]
    check(not of(after, "dispatch", step="builder"),
          "the builder's second attempt had finished but ran again after the resume")
    testers = [e["attempt"] for e in of(after, "dispatch", step="tester")]
    check(testers == [2], f"tester dispatched after the resume: {testers}, expected attempt 2")
    verdicts = [(v["attempt"], v["verdict"]) for v in of(ev, "verdict", check="verdict")]
    check(verdicts[-1:] == [(2, "PASS")], f"verdicts: {verdicts}")
    check(ev[-1]["event"] == "run_end" and ev[-1]["status"] == "succeeded", f"last: {ev[-1]}")


def main():
    flow = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="flow-chosen-")
    try:
        with open(os.path.join(work, "chosen.flow"), "w", encoding="utf-8") as f:
            f.write(FLOW)
        test_items_recorded(flow, work)
        test_empty_and_bad_lists(flow, work)
        test_send_back(flow, work)
        test_dry_run(flow, work)
        test_kill_during_fanout(flow, work)
        test_kill_during_send_back(flow, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("chosen items and send-back: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Kills `flow run` with SIGKILL at many moments, resumes each run, and checks that the run
completes and that no step finished before the kill was run again. Then interrupts a run with
SIGINT and checks exit 130 and a clean resume.

usage: crash_test.py PATH/TO/flow [--kills N]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def node(i, name, kind, deps, **extra):
    n = {"id": i, "name": name, "kind": kind, "stage": "main", "deps": sorted(deps), "loc": None}
    n.update(extra)
    return n


def make_ir():
    """A plan, a gated fan-out of research, a parallel layer of workers, a gated block, a join."""
    nodes = [node(0, "plan", "agent", [], agent="planner")]
    nodes.append(node(1, "research", "agent", [0], agent="researcher",
                      fanout=["auth", "storage", "billing", "search"]))
    nodes.append(node(2, "research/gate", "gate", [1], target="research", members=[1],
                      checks=[{"kind": "review", "agent": "critic", "loc": None}],
                      retries=2, on_exhausted="stop"))
    workers = []
    for k in range(12):
        i = len(nodes)
        nodes.append(node(i, f"impl-{k}", "agent", [2], agent="implementer"))
        workers.append(i)
    first = len(nodes)
    nodes.append(node(first, "tests", "agent", workers, agent="tester"))
    nodes.append(node(first + 1, "build", "command", [first], command="echo built"))
    nodes.append(node(first + 2, "block/gate", "gate", [first + 1], target="block",
                      members=[first, first + 1],
                      checks=[{"kind": "review", "agent": "critic", "loc": None}],
                      retries=2, on_exhausted="stop"))
    nodes.append(node(first + 3, "ship", "agent", [first + 2], agent="submitter"))
    agents = [{"name": a, "role": "reviewer" if a == "critic" else "worker",
               "prompt": f"You are the {a}."}
              for a in ["planner", "researcher", "critic", "implementer", "tester", "submitter"]]
    return {"version": 3, "name": "crashy", "description": "", "source": "", "inputs": [],
            "agents": agents, "stages": [{"name": "main", "nodes": list(range(len(nodes))),
                                          "after": []}],
            "nodes": nodes, "rules": []}


def read_events(run_dir):
    events = []
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.endswith("\n"):
                events.append(json.loads(line))
    return events


def check_resumed(run_dir, ir, label):
    events = read_events(run_dir)
    resumes = [i for i, e in enumerate(events) if e["event"] == "run_resume"]
    assert resumes, f"{label}: no run_resume event"
    cut = resumes[0]
    done_before = {(e["step"], e["attempt"]) for e in events[:cut] if e["event"] == "done"}
    items_before = {(e["step"], e["attempt"], e.get("index")) for e in events[:cut]
                    if e["event"] == "attempt" and e["ok"] and e["kind"] == "agent"
                    and "index" in e}
    for e in events[cut:]:
        if e["event"] != "dispatch":
            continue
        key = (e["step"], e["attempt"])
        assert key not in done_before, f"{label}: {key} finished before the kill but ran again"
        assert (e["step"], e["attempt"], e.get("index")) not in items_before, \
            f"{label}: fan-out item {e.get('index')} of {key} ran again"
    assert events[-1]["event"] == "run_end" and events[-1]["status"] == "succeeded", \
        f"{label}: the resumed run did not succeed: {events[-1]}"
    finished = {e["step"] for e in events if e["event"] == "done"}
    gates = {e["gate"] for e in events if e["event"] == "gate_pass"}
    for n in ir["nodes"]:
        where = gates if n["kind"] == "gate" else finished
        assert n["name"] in where, f"{label}: {n['name']} never finished"
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), f"{label}: seq numbers are not 1..n"
    with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
        assert json.load(f)["status"] == "succeeded", f"{label}: run.json not succeeded"
    return len(done_before)


def wait_until_dispatched(root, p):
    """Waits until the run under `root` has dispatched a step, so that a signal sent next lands
    in a running run: a fixed delay measured on an earlier run could land after the end when
    the machine was busy for that run and not for this one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert p.poll() is None, f"the run ended (exit {p.returncode}) before dispatching a step"
        for d in os.listdir(root) if os.path.isdir(root) else []:
            events = os.path.join(root, d, "events.jsonl")
            if os.path.exists(events):
                with open(events, encoding="utf-8") as f:
                    if '"dispatch"' in f.read():
                        return
        time.sleep(0.002)
    raise AssertionError("the run dispatched no step in 30 s")


def main():
    flow = os.path.abspath(sys.argv[1])
    kills = int(sys.argv[sys.argv.index("--kills") + 1]) if "--kills" in sys.argv else 20
    work = tempfile.mkdtemp(prefix="flow-crash-")
    try:
        ir = make_ir()
        ir_path = os.path.join(work, "crashy.json")
        with open(ir_path, "w", encoding="utf-8") as f:
            json.dump(ir, f)
        common = [ir_path, "--jobs", "3", "--sim-latency", "10-40", "--sim-seed", "3",
                  "--sim-fail-review", "research:1", "--sim-fail-review", "block:1"]

        # How long does a whole run take? Spread the kills over it.
        t0 = time.monotonic()
        r = subprocess.run([flow, "run", *common, "--run-dir", os.path.join(work, "full")],
                           cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        total = time.monotonic() - t0
        assert r.returncode == 0, f"the reference run failed: {r.stderr}"

        # A kill that lands before the run is recorded or after it ended tests nothing; how many
        # land in between depends on the machine's speed (an ASan build starts slower than the
        # reference run suggests), so the sweep repeats, up to three times, until half did.
        checked = 0
        for k in range(3 * kills):
            if checked >= kills // 2 and k >= kills:
                break
            delay = 0.005 + total * (k % kills) / kills
            root = os.path.join(work, f"kill-{k}")
            p = subprocess.Popen([flow, "run", *common, "--run-dir", root], cwd=work,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait()
            runs = [d for d in (os.listdir(root) if os.path.isdir(root) else [])
                    if os.path.exists(os.path.join(root, d, "run.json"))]
            if not runs:
                continue  # killed before the run was recorded: nothing to resume
            with open(os.path.join(root, runs[0], "run.json"), encoding="utf-8") as f:
                if json.load(f)["status"] == "succeeded":
                    continue  # the kill came after the end
            listing = subprocess.run([flow, "runs", "--run-dir", root], cwd=work,
                                     capture_output=True, text=True).stdout
            assert " crashed " in listing, f"kill {k}: `flow runs` does not say crashed:\n{listing}"
            r = subprocess.run([flow, "resume", "--run-dir", root], cwd=work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            assert r.returncode == 0, f"kill {k} at {delay:.3f}s: resume exited {r.returncode}: {r.stderr}"
            done = check_resumed(os.path.join(root, runs[0]), ir, f"kill {k} at {delay:.3f}s")
            checked += 1
            print(f"kill {k:2} at {delay:.3f}s: {done} steps kept, resume completed")
        assert checked >= kills // 2, f"only {checked} of {k + 1} kills hit a running run"

        # SIGINT and SIGTERM: exit 130, status interrupted, then resumable.
        for sig, name in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")):
            root = os.path.join(work, name)
            p = subprocess.Popen([flow, "run", *common, "--run-dir", root], cwd=work,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_until_dispatched(root, p)
            p.send_signal(sig)
            code = p.wait(timeout=10)
            assert code == 130, f"{name} did not exit 130 but {code}"
            run_dir = os.path.join(root, os.listdir(root)[0])
            with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
                assert json.load(f)["status"] == "interrupted"
            events = read_events(run_dir)
            assert events[-1]["event"] == "run_end" and events[-1]["status"] == "interrupted"
            assert any(e["event"] == "interrupted" and e["signal"] == name for e in events)
            r = subprocess.run([flow, "resume", "--run-dir", root], cwd=work,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            assert r.returncode == 0, f"resume after {name} failed: {r.stderr}"
            check_resumed(run_dir, ir, name)
        print(f"{checked} killed runs resumed; SIGINT and SIGTERM gave 130 and resumed")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

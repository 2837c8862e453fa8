#!/usr/bin/env python3
"""One node at a time: `flow run --prepare` and then `flow run-node` for every node of the
standard pipeline, in a topological order that this driver works out from ir.json alone (as an
engine such as Argo would), gives the same run store as `flow run`: the same events (but for
times and sequence numbers) and the same prompt and output files. Also with a gate that sends
its work back (the driver runs the work and the gate again), a node that is not ready (exit 2,
nothing recorded), a node run twice (not run again), and a bad node name.

usage: run_node_test.py PATH/TO/flow
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowtest import check, failures  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
ARGS = ["std/backend", "--input", "feature=Export invoices as CSV", "--sim-latency", "0", "--yes"]
# Times, sequence numbers and the process's own choices (jobs) differ by construction.
VOLATILE = {"seq", "ts", "ms", "duration_ms", "jobs", "run"}


def flow(cwd, *args, ok=(0,)):
    r = subprocess.run([FLOW, "-q", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    check(r.returncode in ok, f"flow {' '.join(args)}: exit {r.returncode}\n{r.stderr}")
    return r


def order(ir):
    """A topological order of the nodes: the IR's deps, plus the gates guarding each dep (a
    node waits for its dependency's gate unless that gate judges the node too)."""
    nodes = ir["nodes"]
    guards = {n["id"]: [g["id"] for g in nodes if g["kind"] == "gate" and n["id"] in g["members"]]
              for n in nodes}
    deps = {}
    for n in nodes:
        d = set(n["deps"])
        for dep in n["deps"]:
            d.update(g for g in guards[dep] if g != n["id"] and n["id"] not in nodes[g]["members"])
        deps[n["id"]] = d
    done, out = set(), []
    while len(out) < len(nodes):
        ready = [n for n in nodes if n["id"] not in done and deps[n["id"]] <= done]
        check(ready, "the IR's dependencies have no cycle")
        if not ready:
            break
        done.add(ready[0]["id"])
        out.append(ready[0])
    return out


def run_nodes(cwd, run_id):
    """Drives a prepared run: each node once in order; a gate that sends its work back has
    its members (in order) and itself run again. Returns how many run-node calls it made."""
    ir = json.load(open(os.path.join(cwd, ".flow", "runs", run_id, "ir.json"), encoding="utf-8"))
    topo = order(ir)
    position = {n["id"]: i for i, n in enumerate(topo)}
    queue, calls = list(topo), 0
    result = os.path.join(cwd, "result.json")
    while queue and calls < 500:
        n = queue.pop(0)
        calls += 1
        flow(cwd, "run-node", run_id, n["name"], "--result", result)
        outcome = json.load(open(result, encoding="utf-8"))
        check(outcome["node"] == n["name"], f"--result names the node: {outcome}")
        if outcome["outcome"] == "sent back":
            again = sorted(n["members"], key=lambda m: position[m])
            queue[:0] = [ir["nodes"][m] for m in again] + [n]
        else:
            check(outcome["outcome"] in ("done", "passed", "skipped"), f"{n['name']}: {outcome}")
    return calls


def normalized_events(run_dir, run_id):
    out = []
    for line in open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8"):
        e = json.loads(line)
        for k in VOLATILE:
            e.pop(k, None)
        out.append(json.dumps(e, sort_keys=True).replace(run_id, "RUN"))
    return sorted(out)


def files(run_dir, run_id):
    steps = os.path.join(run_dir, "steps")
    return {f: open(os.path.join(steps, f), encoding="utf-8").read().replace(run_id, "RUN")
            for f in sorted(os.listdir(steps))}


def compare(cwd, whole, nodes, what):
    a, b = (os.path.join(cwd, ".flow", "runs", r) for r in (whole, nodes))
    ea, eb = normalized_events(a, whole), normalized_events(b, nodes)
    only_a = [e for e in ea if e not in eb]
    only_b = [e for e in eb if e not in ea]
    check(ea == eb, f"{what}: the same events ({len(ea)} and {len(eb)}); only in flow run: "
                    f"{only_a[:3]}; only node by node: {only_b[:3]}")
    fa, fb = files(a, whole), files(b, nodes)
    check(sorted(fa) == sorted(fb), f"{what}: the same step files: {sorted(set(fa) ^ set(fb))}")
    differ = [f for f in fa if f in fb and fa[f] != fb[f]]
    check(not differ, f"{what}: the same prompts and outputs; these differ: {differ[:5]}")
    ra = json.load(open(os.path.join(a, "run.json"), encoding="utf-8"))
    rb = json.load(open(os.path.join(b, "run.json"), encoding="utf-8"))
    check(ra["status"] == rb["status"] == "succeeded", f"{what}: both succeeded: "
                                                      f"{ra['status']}, {rb['status']}")


def test_equal(cwd, extra, what):
    flow(cwd, "run", *ARGS, *extra, "-j", "1", "--run-id", f"whole{len(extra)}")
    r = flow(cwd, "run", *ARGS, *extra, "--prepare", "--run-id", f"nodes{len(extra)}")
    check("prepared" in r.stdout, f"--prepare says what it did: {r.stdout}")
    calls = run_nodes(cwd, f"nodes{len(extra)}")
    compare(cwd, f"whole{len(extra)}", f"nodes{len(extra)}", what)
    return calls


def test_misuse(cwd):
    flow(cwd, "run", *ARGS, "--prepare", "--run-id", "misuse")
    run_dir = os.path.join(cwd, ".flow", "runs", "misuse")
    before = open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8").read()
    r = flow(cwd, "run-node", "misuse", "backend-planner", ok=(2,))
    check("is not ready: it waits for" in r.stderr, f"a node not ready says for what: {r.stderr}")
    after = open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8").read()
    check(before == after, "a node that is not ready records nothing")
    check(json.load(open(os.path.join(run_dir, "run.json")))["status"] == "paused",
          "the run stays paused")
    r = flow(cwd, "run-node", "misuse", "no-such-step", ok=(2,))
    check("has no node `no-such-step`" in r.stderr and "backend-task-summarizer" in r.stderr,
          f"an unknown node lists the nodes: {r.stderr}")
    flow(cwd, "run-node", "misuse", "backend-task-summarizer")
    once = open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8").read()
    r = flow(cwd, "run-node", "misuse", "backend-task-summarizer")
    check("done" in r.stdout, f"a finished node says so: {r.stdout}")
    check(open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8").read() == once,
          "a finished node is not run again")
    r = flow(cwd, "run", *ARGS, "--prepare", "--run-id", "misuse", ok=(2,))
    check("exists already" in r.stderr, f"--run-id of a run that exists: {r.stderr}")
    r = flow(cwd, "run", *ARGS, "--prepare", "--run-id", "../x", ok=(2,))
    check("is not a run id" in r.stderr, f"--run-id that is not a name: {r.stderr}")
    # The rest of a run started node by node can be finished by `flow resume`.
    r = flow(cwd, "resume", "misuse")
    check(json.load(open(os.path.join(run_dir, "run.json")))["status"] == "succeeded",
          f"flow resume finishes a run started node by node: {r.stdout[-300:]}")


def main():
    with tempfile.TemporaryDirectory() as cwd:
        calls = test_equal(cwd, [], "the standard pipeline")
        check(calls == 35, f"one run-node per node when every gate passes: {calls}")
        reworked = test_equal(cwd, ["--sim-fail-review", "backend-planner:2"],
                              "with a gate that sends the work back twice")
        check(reworked > calls, f"the work sent back ran again: {reworked} calls")
        test_misuse(cwd)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"run-node: all checks passed ({calls} and {reworked} node runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

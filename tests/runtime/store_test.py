#!/usr/bin/env python3
"""The run store never loses work silently (docs/runtime.md, "The run directory"): a full file
system, `prlimit --fsize`, step names longer than a file name may be, planted symlinks, the
umask, resume from another directory, events that do not fit the flow, lost fan-out outputs,
empty fan-outs, huge upstream outputs in prompts, failure reports and gate file numbering.

Needs root (it mounts a small tmpfs) and prlimit; fails without them.

usage: store_test.py PATH/TO/flow
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import flowtest
from flowtest import check, failures, node

FLOW = os.path.abspath(sys.argv[1])


def write_ir(path, nodes, inputs=(), agents=("planner", "critic")):
    return flowtest.write_ir(path, nodes, inputs, agents, name="store", model="")


def flow(*args, cwd, **kw):
    return subprocess.run([FLOW, *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, **kw)


def runs_under(root):
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def latest(root):
    def started(r):
        with open(os.path.join(root, r, "run.json"), encoding="utf-8") as f:
            return json.load(f)["started"]
    return max(runs_under(root), key=started)


def events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def fnv(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return f"fnv1a64:{h:016x}"


def key(step):
    return hashlib.md5(step.encode()).hexdigest()[:12]


def tool(work):
    """A command backend: saves each prompt under cap/, fails when cap/fail-KEY exists, prints
    400 kB when cap/big-KEY exists; reviewers pass."""
    cap = os.path.join(work, "cap")
    os.makedirs(cap, exist_ok=True)
    script = os.path.join(work, "agent.sh")
    with open(script, "w") as f:
        f.write(f"""k=$(printf %s "$FLOW_STEP" | md5sum | cut -c1-12)
cat > "{cap}/$k.a$FLOW_ATTEMPT.i$FLOW_INDEX.prompt"
if [ -e "{cap}/fail-$k" ]; then echo "told to fail" >&2; exit 3; fi
if [ -e "{cap}/big-$k" ]; then echo HEADMARK; head -c 400000 /dev/zero | tr '\\0' x; echo; echo TAILMARK; exit 0; fi
if [ -e "{cap}/plant-$k" ]; then ln -s "{work}/victim.txt" "$FLOW_RUN_DIR/steps/$FLOW_STEP.a$FLOW_ATTEMPT.output.md"; fi
if [ "$FLOW_REVIEW" = 1 ]; then echo "VERDICT: PASS"; exit 0; fi
echo "real text of $FLOW_STEP item $FLOW_INDEX attempt $FLOW_ATTEMPT"
""")
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write(f"default_backend: tool\nbackends:\n  tool:\n    command: [/bin/sh, {script}]\n")
    return cap


def mark(cap, what, step):
    path = os.path.join(cap, f"{what}-{key(step)}")
    open(path, "w").close()
    return path


def prompt_of(cap, step, attempt=1, index=""):
    with open(os.path.join(cap, f"{key(step)}.a{attempt}.i{index}.prompt")) as f:
        return f.read()


def fresh(base, name):
    d = os.path.join(base, name)
    os.makedirs(d)
    return d


def dispatched(evs, since=0):
    return [(e["step"], e.get("index")) for e in evs[since:] if e["event"] == "dispatch"]


def resume_index(evs):
    return [i for i, e in enumerate(evs) if e["event"] == "run_resume"][-1]


# --- 1: write errors ---------------------------------------------------------------------------

def test_full_disk(base):
    work = fresh(base, "full")
    cap = tool(work)
    nodes = [node(0, "a", "agent", [], agent="planner"), node(1, "b", "agent", [0], agent="planner"),
             node(2, "c", "agent", [1], agent="planner")]
    ir = write_ir(os.path.join(work, "ir.json"), nodes)
    for s in ("b", "c"):
        mark(cap, "big", s)
    mnt = fresh(work, "mnt")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", mnt], check=True)
    try:
        r = flow("run", ir, "--run-dir", mnt, cwd=work)
        check(r.returncode == 1, f"full disk: run fails (exit {r.returncode}): {r.stdout}{r.stderr}")
        out = r.stdout + r.stderr
        check("No space left on device" in out, f"full disk: the OS error is named: {out}")
        check("flow resume" in out and "free" in out, f"full disk: says what to do: {out}")
        run = latest(mnt)
        evs = events(os.path.join(mnt, run))
        check(not any(e["event"] == "run_end" and e["status"] == "succeeded" for e in evs),
              "full disk: never recorded as succeeded")
        finished = {e["step"] for e in evs if e["event"] == "done"}
        subprocess.run(["mount", "-o", "remount,size=16m", mnt], check=True)
        r = flow("resume", run, "--run-dir", mnt, cwd=work)
        check(r.returncode == 0, f"full disk: resume after freeing space succeeds: {r.stdout}{r.stderr}")
        evs = events(os.path.join(mnt, run))
        again = {s for s, _ in dispatched(evs, resume_index(evs))}
        check(not (again & finished), f"full disk: finished steps not redone: {again & finished}")
        for e in evs:
            if e["event"] == "done" and e.get("output"):
                with open(os.path.join(mnt, run, e["output"]), "rb") as f:
                    check(fnv(f.read()) == e["output_hash"], f"full disk: {e['output']} intact")
    finally:
        subprocess.run(["umount", mnt])


def test_fsize(base):
    work = fresh(base, "fsize")
    cap = tool(work)
    ir = write_ir(os.path.join(work, "ir.json"), [node(0, "a", "agent", [], agent="planner")])
    mark(cap, "big", "a")
    r = subprocess.run(["prlimit", "--fsize=100000", FLOW, "run", ir], cwd=work,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    check(r.returncode == 1, f"fsize: exit 1, not killed (exit {r.returncode}): {r.stderr}")
    check("File too large" in r.stdout + r.stderr, f"fsize: names EFBIG: {r.stdout}")


def test_long_name(base):
    work = fresh(base, "long")
    name = "step-" + "x" * 240
    ir = write_ir(os.path.join(work, "ir.json"),
                  [node(0, name, "agent", [], agent="planner"),
                   node(1, name + "-2", "agent", [0], agent="planner")])
    r = flow("run", ir, cwd=work)
    check(r.returncode == 0, f"long name: run succeeds: {r.stdout}{r.stderr}")
    root = os.path.join(work, ".flow", "runs")
    run_dir = os.path.join(root, latest(root))
    outs = [e for e in events(run_dir) if e["event"] == "attempt"]
    check(len(outs) == 2, "long name: two attempts")
    files = set()
    for e in outs:
        for k in ("output", "prompt"):
            p = os.path.join(run_dir, e.get(k, "-"))
            check(os.path.isfile(p), f"long name: {k} file written: {e.get(k)}")
            check(len(os.path.basename(p)) <= 255, "long name: within NAME_MAX")
            files.add(p)
    check(len(files) == 4, "long name: file names stay unique")


# --- 5, 6: symlinks and permissions ------------------------------------------------------------

def test_symlink(base):
    work = fresh(base, "symlink")
    cap = tool(work)
    with open(os.path.join(work, "victim.txt"), "w") as f:
        f.write("precious\n")
    ir = write_ir(os.path.join(work, "ir.json"), [node(0, "a", "agent", [], agent="planner")])
    mark(cap, "plant", "a")
    r = flow("run", ir, cwd=work)
    check(r.returncode == 0, f"symlink: run succeeds: {r.stdout}{r.stderr}")
    with open(os.path.join(work, "victim.txt")) as f:
        check(f.read() == "precious\n", "symlink: the link's target is untouched")
    root = os.path.join(work, ".flow", "runs")
    out = os.path.join(root, latest(root), "steps", "a.a1.output.md")
    check(not os.path.islink(out), "symlink: the output is a file of its own")


def test_umask(base):
    work = fresh(base, "umask")
    ir = write_ir(os.path.join(work, "ir.json"), [node(0, "a", "agent", [], agent="planner")])
    r = subprocess.run([FLOW, "run", ir], cwd=work, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, preexec_fn=lambda: os.umask(0))
    check(r.returncode == 0, f"umask: run succeeds: {r.stderr}")
    root = os.path.join(work, ".flow", "runs")
    for dirpath, dirnames, filenames in os.walk(os.path.join(work, ".flow")):
        mode = stat.S_IMODE(os.stat(dirpath).st_mode)
        check(mode == 0o700, f"umask: {os.path.relpath(dirpath, work)} is {oct(mode)}")
        for fn in filenames:
            mode = stat.S_IMODE(os.stat(os.path.join(dirpath, fn)).st_mode)
            check(mode == 0o600, f"umask: {fn} is {oct(mode)}")
    check(latest(root), "umask: a run was stored")


# --- 4: resume from another directory ----------------------------------------------------------

def test_resume_elsewhere(base):
    work = fresh(base, "elsewhere")
    other = fresh(base, "other")
    cap = tool(work)
    nodes = [node(0, "a", "agent", [], agent="planner"), node(1, "b", "agent", [0], agent="planner"),
             node(2, "where", "command", [1], command="pwd > where.txt")]
    ir = write_ir(os.path.join(work, "ir.json"), nodes)
    fail = mark(cap, "fail", "b")
    r = flow("run", ir, cwd=work)
    check(r.returncode == 1, f"elsewhere: first run fails at b: {r.stdout}")
    root = os.path.join(work, ".flow", "runs")
    run = latest(root)
    os.remove(fail)
    # The config is gone: a clear error, never simulated agents.
    os.rename(os.path.join(work, "flow.yaml"), os.path.join(work, "flow.yaml.away"))
    before = open(os.path.join(root, run, "events.jsonl")).read()
    r = flow("resume", run, "--run-dir", root, cwd=other)
    check(r.returncode == 2, f"elsewhere: missing config exits 2: {r.stdout}{r.stderr}")
    check(os.path.join(work, "flow.yaml") in r.stderr, f"elsewhere: names the config: {r.stderr}")
    check(open(os.path.join(root, run, "events.jsonl")).read() == before, "elsewhere: run untouched")
    # Changed config: resumes with a warning.
    os.rename(os.path.join(work, "flow.yaml.away"), os.path.join(work, "flow.yaml"))
    with open(os.path.join(work, "flow.yaml"), "a") as f:
        f.write("# edited\n")
    r = flow("resume", run, "--run-dir", os.path.relpath(root, other), cwd=other)
    check(r.returncode == 0, f"elsewhere: resume from another directory succeeds: {r.stdout}{r.stderr}")
    check("changed" in r.stderr and "flow.yaml" in r.stderr, f"elsewhere: config change warned: {r.stderr}")
    evs = events(os.path.join(root, run))
    b = [e for e in evs if e["event"] == "attempt" and e["step"] == "b"][-1]
    with open(os.path.join(root, run, b["output"])) as f:
        check(f.read().startswith("real text of b"), "elsewhere: real agents, not sim")
    check(not os.path.exists(os.path.join(other, "where.txt")), "elsewhere: nothing ran in the other dir")
    where = os.path.join(work, "where.txt")
    check(os.path.isfile(where) and open(where).read().strip() == os.path.realpath(work),
          "elsewhere: the command ran where the run started")


# --- 3: events that do not fit -----------------------------------------------------------------

def test_mismatched_events(base):
    work = fresh(base, "mismatch")
    nodes = [node(0, "plan", "agent", [], agent="planner", fanout=["x", "y"]),
             node(1, "plan/gate", "gate", [0], target="plan", members=[0],
                  checks=[{"kind": "review", "agent": "critic", "loc": None}], retries=1,
                  on_exhausted="stop"),
             node(2, "ship", "agent", [1], agent="planner")]
    ir = write_ir(os.path.join(work, "ir.json"), nodes)
    r = flow("run", ir, "--sim-fail-step", "ship", cwd=work)
    check(r.returncode == 1, "mismatch: first run fails")
    root = os.path.join(work, ".flow", "runs")
    run = latest(root)
    path = os.path.join(root, run, "events.jsonl")
    good = open(path).read()
    meta = open(os.path.join(root, run, "run.json")).read()
    bad_lines = [
        ('{"seq":900,"event":"done","step":"nope","attempt":1,"output":"","output_hash":"x"}', "nope"),
        ('{"seq":900,"event":"attempt","step":"plan","kind":"agent","attempt":1,"index":7,"ok":true,'
         '"output_hash":"x"}', "7"),
        ('{"seq":900,"event":"retry","gate":"ship/gate","attempt":2,"feedback":"x"}', "ship/gate"),
        ('{"seq":900,"event":"gate_pass","gate":"ship","attempt":1}', "ship"),
    ]
    for line, word in bad_lines:
        with open(path, "w") as f:
            f.write(good + line + "\n" + '{"seq":901,"event":"interrupted","signal":"SIGINT"}\n')
        damaged = open(path).read()
        r = flow("resume", run, cwd=work)
        check(r.returncode == 2, f"mismatch {word}: exit 2 (got {r.returncode}): {r.stdout}{r.stderr}")
        check("events.jsonl" in r.stderr and word in r.stderr, f"mismatch {word}: says where: {r.stderr}")
        check(open(path).read() == damaged, f"mismatch {word}: events untouched")
        check(open(os.path.join(root, run, "run.json")).read() == meta, f"mismatch {word}: run.json untouched")


# --- 2: lost fan-out outputs -------------------------------------------------------------------

def fanout_flow(work):
    nodes = [node(0, "research", "agent", [], agent="planner", fanout=["p", "q", "r"]),
             node(1, "summary", "agent", [0], agent="planner")]
    return write_ir(os.path.join(work, "ir.json"), nodes)


def test_fanout_combined_lost(base):
    work = fresh(base, "combined")
    cap = tool(work)
    ir = fanout_flow(work)
    fail = mark(cap, "fail", "summary")
    r = flow("run", ir, cwd=work)
    check(r.returncode == 1, "combined: first run fails at summary")
    root = os.path.join(work, ".flow", "runs")
    run = latest(root)
    os.remove(os.path.join(root, run, "steps", "research.a1.output.md"))
    os.remove(fail)
    r = flow("resume", run, cwd=work)
    check(r.returncode == 0, f"combined: resume succeeds: {r.stdout}")
    p = prompt_of(cap, "summary")
    for i in range(3):
        check(f"real text of research item {i}" in p, f"combined: summary sees item {i}")
    evs = events(os.path.join(root, run))
    check(not [d for d in dispatched(evs, resume_index(evs)) if d[0] == "research"],
          "combined: verified items are not re-run")


def test_fanout_item_lost(base):
    work = fresh(base, "items")
    cap = tool(work)
    ir = fanout_flow(work)
    fail = mark(cap, "fail", "summary")
    r = flow("run", ir, cwd=work)
    check(r.returncode == 1, "items: first run fails at summary")
    root = os.path.join(work, ".flow", "runs")
    run = latest(root)
    steps = os.path.join(root, run, "steps")
    os.remove(os.path.join(steps, "research.a1.output.md"))
    os.remove(os.path.join(steps, "research.a1.i1.output.md"))
    with open(os.path.join(steps, "research.a1.i2.output.md"), "w") as f:
        f.write("garbage")
    os.remove(fail)
    r = flow("resume", run, cwd=work)
    check(r.returncode == 0, f"items: resume succeeds: {r.stdout}")
    evs = events(os.path.join(root, run))
    again = sorted(i for s, i in dispatched(evs, resume_index(evs)) if s == "research")
    check(again == [1, 2], f"items: the lost and the damaged item run again: {again}")
    p = prompt_of(cap, "summary")
    for i in range(3):
        check(f"real text of research item {i}" in p, f"items: summary sees item {i}")
    check("garbage" not in p, "items: the damaged text is not used")


# --- 8: empty fan-out --------------------------------------------------------------------------

def test_empty_fanout(base):
    work = fresh(base, "empty")
    inputs = [{"name": "topics", "type": "list", "description": "", "loc": None}]
    nodes = [node(0, "research", "agent", [], agent="planner", fanout_input="topics"),
             node(1, "summary", "agent", [0], agent="planner")]
    ir = write_ir(os.path.join(work, "ir.json"), nodes, inputs)
    r = flow("run", ir, "--input", "topics=[]", cwd=work)
    check(r.returncode == 0, f"empty: run succeeds: {r.stdout}{r.stderr}")
    root = os.path.join(work, ".flow", "runs")
    run = latest(root)
    done = [e for e in events(os.path.join(root, run)) if e["event"] == "done" and e["step"] == "research"]
    check(len(done) == 1 and done[0].get("items") == 0, f"empty: a done event with 0 items: {done}")
    r = flow("show", run, cwd=work)
    check("research" in r.stdout, f"empty: flow show lists it: {r.stdout}")


# --- 7: huge upstream outputs ------------------------------------------------------------------

def test_big_output_prompt(base):
    work = fresh(base, "big")
    cap = tool(work)
    nodes = [node(0, "draft", "agent", [], agent="planner"),
             node(1, "draft/gate", "gate", [0], target="draft", members=[0],
                  checks=[{"kind": "review", "agent": "critic", "loc": None}], retries=1,
                  on_exhausted="stop"),
             node(2, "next", "agent", [1], agent="planner")]
    ir = write_ir(os.path.join(work, "ir.json"), nodes)
    mark(cap, "big", "draft")
    r = flow("run", ir, "--run-dir", "runs", cwd=work)
    check(r.returncode == 0, f"big: run succeeds: {r.stdout}{r.stderr}")
    for step, label in (("next", "next step"), ("draft/gate", "reviewer")):
        p = prompt_of(cap, step, index="0" if step.endswith("gate") else "")
        check("HEADMARK" in p and "TAILMARK" in p, f"big: {label} sees head and tail")
        check(len(p) < 100000, f"big: {label} prompt stays short ({len(p)})")
        paths = [w for w in p.split() if w.endswith("draft.a1.output.md")]
        check(paths and all(os.path.isabs(x) and os.path.isfile(x) for x in paths),
              f"big: {label} gets a path that resolves: {paths}")


# --- 9: failure reports, gate files ------------------------------------------------------------

def test_report_names_existing_files(base):
    work = fresh(base, "report")
    cap = tool(work)
    ir = write_ir(os.path.join(work, "ir.json"), [node(0, "a", "agent", [], agent="planner")])
    mark(cap, "fail", "a")
    r = flow("run", ir, cwd=work)
    check(r.returncode == 1, "report: run fails")
    for line in r.stdout.splitlines():
        if line.strip().startswith("output:"):
            check(os.path.isfile(line.split("output:", 1)[1].strip()), f"report: names a file that exists: {line}")


def test_gate_files_kept(base):
    work = fresh(base, "gatefiles")
    nodes = [node(0, "plan", "agent", [], agent="planner"),
             node(1, "plan/gate", "gate", [0], target="plan", members=[0],
                  checks=[{"kind": "review", "agent": "critic", "loc": None}], retries=1,
                  on_exhausted="stop")]
    ir = write_ir(os.path.join(work, "ir.json"), nodes)
    r = flow("run", ir, "--sim-fail-review", "plan:9", cwd=work)
    check(r.returncode == 1, "gate files: exhausted")
    root = os.path.join(work, ".flow", "runs")
    run = latest(root)
    steps = os.path.join(root, run, "steps")
    before = {f: os.stat(os.path.join(steps, f)).st_ino for f in os.listdir(steps) if f.startswith("plan~gate")}
    r = flow("resume", run, cwd=work)
    check(r.returncode == 1, "gate files: exhausted again")
    after = {f: os.stat(os.path.join(steps, f)).st_ino for f in os.listdir(steps) if f.startswith("plan~gate")}
    check(all(after.get(f) == ino for f, ino in before.items()), "gate files: earlier files kept as they were")
    evs = events(os.path.join(root, run))
    resumed = [e["attempt"] for e in evs[resume_index(evs):] if e["event"] == "verdict"]
    check(resumed and min(resumed) > max(e["attempt"] for e in evs[:resume_index(evs)] if e["event"] == "verdict"),
          f"gate files: new evaluations get new numbers: {resumed}")


def main():
    if os.geteuid() != 0:
        sys.exit("store_test.py needs root (it mounts a tmpfs)")
    if not shutil.which("prlimit"):
        sys.exit("store_test.py needs prlimit (util-linux)")
    base = tempfile.mkdtemp(prefix="flow-store-")
    only = sys.argv[2:]
    try:
        for name, fn in sorted(globals().items()):
            if name.startswith("test_") and (not only or name in only):
                print(f"--- {name}")
                fn(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all store checks passed")


if __name__ == "__main__":
    main()

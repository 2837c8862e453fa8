#!/usr/bin/env python3
"""The runtime benchmarks (bench/README.md, "Runtime"). Prints each figure and ratio.

  bench.py [--flow PATH] [--only ninja|sim|rss] [--repeat N] [--steps N]
           [--snakemake-steps N] [--no-snakemake] [--work DIR]

ninja: 10,000 command steps running `true` in a random layered DAG, --jobs 2, against ninja
       on the same DAG (build.ninja) and snakemake (Snakefile); the best of N runs each.
       snakemake is installed with apt-get when missing. Its time grows faster than the step
       count (10,000 steps did not finish in 20 minutes), so by default it runs 2,000 steps
       and its time is scaled up linearly, which flatters it.
sim:   1,000 sim steps with random latencies (20-200 ms) in a DAG; wall time divided by the
       critical path computed from the durations recorded in events.jsonl.
rss:   peak RSS of a 100,000-step sim run with zero latency.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def gen(out, steps, width, kind, ninja=False, snakemake=False, seed=1):
    cmd = [sys.executable, os.path.join(HERE, "gen_dag.py"), "--steps", str(steps), "--width",
           str(width), "--kind", kind, "--out", out, "--seed", str(seed)]
    if ninja:
        cmd.append("--ninja")
    if snakemake:
        cmd.append("--snakemake")
    subprocess.run(cmd, check=True)


def timed(cmd, cwd):
    """Runs cmd; returns (wall seconds, peak RSS in KiB)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr.read().decode()}")
    return wall, usage.ru_maxrss


def ensure_snakemake():
    if shutil.which("snakemake"):
        return True
    print("snakemake is missing; installing the Debian package (apt-get install snakemake)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "snakemake"], env=env)
    return shutil.which("snakemake") is not None


def bench_ninja(flow, args, work):
    d = os.path.join(work, "ninja")
    gen(d, args.steps, 100, "command", ninja=True, snakemake=True)
    best = {"ninja": 1e9, "flow": 1e9}
    for _ in range(args.repeat):  # interleaved, so machine load hits both alike
        subprocess.run(["ninja", "-t", "clean"], cwd=d, stdout=subprocess.DEVNULL)
        best["ninja"] = min(best["ninja"], timed(["ninja", "-j2"], d)[0])
        shutil.rmtree(os.path.join(d, "runs"), ignore_errors=True)
        best["flow"] = min(best["flow"], timed([flow, "run", "dag.json", "--jobs", "2",
                                                "--run-dir", "runs"], d)[0])
    print(f"{args.steps} command steps (`true`), --jobs 2, best of {args.repeat}:")
    print(f"  ninja      {best['ninja']:7.2f} s")
    print(f"  flow       {best['flow']:7.2f} s   flow/ninja = {best['flow'] / best['ninja']:.2f}")
    if args.no_snakemake:
        return
    if not ensure_snakemake():
        print("  snakemake  not available (install failed)")
        return
    s = os.path.join(work, "snake")
    gen(s, args.snakemake_steps, 100, "command", snakemake=True)
    wall, _ = timed(["snakemake", "--cores", "2", "--quiet", "--snakefile", "Snakefile"], s)
    scale = args.steps / args.snakemake_steps
    note = f" (measured on {args.snakemake_steps} steps, scaled x{scale:g})" if scale != 1 else ""
    print(f"  snakemake  {wall * scale:7.2f} s   snakemake/ninja = "
          f"{wall * scale / best['ninja']:.2f}{note}")


def critical_path_ms(ir, events):
    dur = {}
    for e in events:
        if e["event"] == "attempt" and e["ok"]:
            dur[e["step"]] = dur.get(e["step"], 0) + e["duration_ms"]
    longest = {}
    for n in ir["nodes"]:  # generated in topological order
        longest[n["id"]] = dur.get(n["name"], 0) + max((longest[d] for d in n["deps"]), default=0)
    return max(longest.values())


def bench_sim(flow, args, work):
    d = os.path.join(work, "sim")
    gen(d, 1000, 50, "agent", seed=2)
    shutil.rmtree(os.path.join(d, "runs"), ignore_errors=True)
    wall, _ = timed([flow, "run", "dag.json", "--jobs", "64", "--sim-latency", "20-200",
                     "--run-dir", "runs"], d)
    run = os.path.join(d, "runs", os.listdir(os.path.join(d, "runs"))[0])
    with open(os.path.join(d, "dag.json")) as f:
        ir = json.load(f)
    with open(os.path.join(run, "events.jsonl")) as f:
        events = [json.loads(line) for line in f]
    cp = critical_path_ms(ir, events) / 1000
    inner = events[-1]["duration_ms"] / 1000
    print("1000 sim steps, latencies 20-200 ms, 20 layers of 50, --jobs 64:")
    print(f"  critical path {cp:.2f} s, run {inner:.2f} s (process {wall:.2f} s): "
          f"wall/critical path = {inner / cp:.3f} (process: {wall / cp:.3f})")


def bench_rss(flow, args, work):
    d = os.path.join(work, "rss")
    gen(d, 100000, 100, "agent", seed=3)
    wall, rss = timed([flow, "run", "dag.json", "--jobs", "2", "--run-dir", "runs"], d)
    print(f"100000 sim steps, zero latency, --jobs 2: peak RSS {rss / 1024:.0f} MiB, "
          f"wall {wall:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flow", default=os.path.join(ROOT, "build", "bin", "flow"))
    ap.add_argument("--only", choices=["ninja", "sim", "rss"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--snakemake-steps", type=int, default=2000)
    ap.add_argument("--no-snakemake", action="store_true")
    ap.add_argument("--work", help="scratch directory (default: bench-work in the build tree)")
    args = ap.parse_args()
    flow = os.path.abspath(args.flow)
    if not os.access(flow, os.X_OK):
        sys.exit(f"no flow binary at {flow}; build it or pass --flow")
    # Not /tmp: on a busy ext4, creating files in a directory full of recently deleted inodes
    # is several times slower, and runs create one file per prompt and per output.
    base = args.work or os.path.join(os.path.dirname(os.path.dirname(flow)), "bench-work")
    os.makedirs(base, exist_ok=True)
    work = tempfile.mkdtemp(prefix="run-", dir=base)
    # A private copy, so rebuilding flow meanwhile cannot disturb a long benchmark.
    shutil.copy2(flow, os.path.join(work, "flow"))
    flow = os.path.join(work, "flow")
    try:
        if args.only in (None, "ninja"):
            bench_ninja(flow, args, work)
        if args.only in (None, "sim"):
            bench_sim(flow, args, work)
        if args.only in (None, "rss"):
            bench_rss(flow, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

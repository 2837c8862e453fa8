#!/usr/bin/env python3
"""The model API backends under load (bench/README.md, "Model API backends"): 1,000 agent
calls, a fan-out over a 1,000-item list, on the `openai` (or `anthropic`) backend against the
fake model API on 127.0.0.1 (its asyncio mode, --fast) answering each request after 50 ms,
--jobs 64.

Prints the ideal ceil(1000/64) x 50 ms; first the fake server alone under the same load, its
peer client being curl's parallel mode (libcurl's multi interface, connections kept open, and
again with a new connection per request), so that a slow server is not mistaken for a slow
flow; then flow's wall time and ratio (target <= 1.10), its CPU per call (user + sys / calls),
its peak RSS, the server's CPU meanwhile and the connections flow opened.

  api_bench.py [--flow PATH] [--calls N] [--jobs N] [--delay-ms MS] [--api openai|anthropic]
               [--repeat N] [--work DIR] [--curl PATH]
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "runtime"))
from api_harness import FakeModelApi  # noqa: E402

FLOW_TEXT = """flow apibench "Many model calls at once"

input items: list "One call per item"

agent worker <
  description "Answers one item"
  model bench
  tools Read
  prompt "Answer for the item."
>

stage all worker over items
"""


def run_flow(args, work, server):
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write(f"default_backend: api\nbackends:\n  api: {{ type: {args.api}, base_url: \"{server.url(args.api)}\", "
                f"api_key_env: \"\" }}\n" if args.api == "openai" else
                f"default_backend: api\nbackends:\n  api: {{ type: anthropic, base_url: \"{server.url(args.api)}\", "
                f"api_key_env: BENCH_KEY }}\n")
    # The peak RSS comes from GNU time, not from our own wait4: a child forked from this
    # Python process counts Python's resident memory in its ru_maxrss until it execs.
    rss_file = os.path.join(work, "rss.txt")
    cmd = [args.time, "-f", "%M", "-o", rss_file, args.flow, "run", "bench.flow",
           "--jobs", str(args.jobs), "--input", "items=@items.json"]
    env = dict(os.environ, BENCH_KEY="bench")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"flow failed: {p.stderr.read().decode()[-3000:]}")
    with open(rss_file) as f:
        rss_kib = int(f.read().split()[-1])
    return wall, usage.ru_utime + usage.ru_stime, rss_kib


def items_of(args):
    return [f"item {i}" for i in range(args.calls)]


def cpu_of(pid):
    """User + system CPU seconds of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_alone(args, server, fresh):
    """The fake server under the same load without flow: curl's parallel mode, --jobs
    transfers at once over connections kept open, or (`fresh`) a new connection per request
    (`connection: close`). Its wall time, curl's CPU and the server's CPU meanwhile."""
    path = "/v1/chat/completions" if args.api == "openai" else "/v1/messages"
    # As large as flow's requests: its prompt lists the flow's inputs, the 1,000 items.
    prompt = "Answer for the item.\n\n# Inputs\n\n- items: " + ", ".join(items_of(args))
    body = json.dumps({"model": "bench", "max_tokens": 8192,
                       "messages": [{"role": "user", "content": prompt}]})
    # The URLs differ only in their query string ([1-N]), which the fake server ignores.
    cmd = [args.curl, "-s", "-Z", "--parallel-immediate", "--parallel-max", str(args.jobs),
           "-d", body, "-H", "content-type: application/json", "-H", "x-api-key: bench",
           "-H", "anthropic-version: 2023-06-01",
           f"http://127.0.0.1:{server.port}{path}?[1-{args.calls}]"]
    if fresh:
        cmd[1:1] = ["-H", "connection: close"]
    server_cpu = cpu_of(server.proc.pid)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"curl failed: {p.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, cpu_of(server.proc.pid) - server_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flow", default=os.path.join(ROOT, "build", "bin", "flow"))
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=64)
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--api", choices=("openai", "anthropic"), default="openai")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", help="scratch directory (default: bench-work in the build tree)")
    ap.add_argument("--curl", default=shutil.which("curl") or "curl",
                    help="the curl program, the server's peer client (7.66 or later: -Z)")
    ap.add_argument("--time", default="/usr/bin/time", help="GNU time, for flow's peak RSS")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    args.flow = os.path.abspath(args.flow)
    # Not /tmp: flow creates a prompt and an output file per call, and creating files in a
    # directory full of recently deleted inodes costs several times more (bench/README.md).
    base = os.path.abspath(args.work or os.path.join(os.path.dirname(os.path.dirname(args.flow)),
                                                     "bench-work"))
    os.makedirs(base, exist_ok=True)
    if not os.access(args.flow, os.X_OK):
        sys.exit(f"no flow at {args.flow}; build it or give --flow")
    if not shutil.which(args.curl):
        sys.exit(f"no curl program at {args.curl!r}: the server's peer client needs it; "
                 "install curl or give --curl")
    if not os.access(args.time, os.X_OK):
        sys.exit(f"no GNU time at {args.time}: it measures flow's peak RSS; install the time "
                 "package or give --time")
    ideal = math.ceil(args.calls / args.jobs) * args.delay_ms / 1000
    server = FakeModelApi({"rules": [], "default": {"text": "ok", "delay_ms": args.delay_ms,
                                                    "usage": {"input_tokens": 20, "output_tokens": 2}}},
                          fast=True, log=False)  # a log line per request costs the server CPU
    print(f"ideal: ceil({args.calls}/{args.jobs}) x {args.delay_ms} ms = {ideal:.3f} s")
    made = []
    try:
        for fresh in (False, True):
            wall, client_cpu, server_cpu = min(server_alone(args, server, fresh)
                                               for _ in range(args.repeat))
            print(f"fake server alone, curl -Z, {'a new connection per request' if fresh else 'connections kept open'}: "
                  f"wall {wall:.3f} s ({wall / ideal:.2f} x ideal), server CPU "
                  f"{server_cpu * 1000 / args.calls:.2f} ms per request, curl CPU {client_cpu:.3f} s")
        runs = []
        for _ in range(args.repeat):
            runs.append(one_flow_run(args, base, server, made))
            wall, cpu, rss, server_cpu, conns = runs[-1]
            print(f"  flow run: wall {wall:.3f} s, CPU {cpu:.3f} s, peak RSS {rss / 1024:.1f} MiB, "
                  f"server CPU {server_cpu:.3f} s, {conns} connections")
        wall, cpu, rss, server_cpu, conns = min(runs)
        print(f"flow, {args.api}: {args.calls} calls, --jobs {args.jobs}, {args.delay_ms} ms per answer (best of {args.repeat})")
        print(f"  wall {wall:.3f} s, ideal {ideal:.3f} s, ratio {wall / ideal:.3f} (target <= 1.10)")
        print(f"  flow CPU {cpu * 1000 / args.calls:.2f} ms per call ({cpu:.3f} s in all), "
              f"server CPU {server_cpu * 1000 / args.calls:.2f} ms per call")
        print(f"  CPU of flow + server: {cpu + server_cpu:.3f} s of the {os.cpu_count() * ideal:.3f} "
              f"CPU-seconds {os.cpu_count()} CPUs give in the ideal time")
        print(f"  peak RSS {rss / 1024:.1f} MiB; {conns} connections opened")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        server.close()
        for work in made:
            shutil.rmtree(work, ignore_errors=True)


def one_flow_run(args, base, server, made):
    """(wall, flow CPU, peak RSS KiB, server CPU, connections opened) of one run of flow. Its
    directory stays until the end: ext4 creates files slowly next to recently deleted ones
    (bench/README.md), and deleting a run's 2,000 files would slow the next run down."""
    work = tempfile.mkdtemp(prefix="api-bench-", dir=base)
    made.append(work)
    with open(os.path.join(work, "bench.flow"), "w") as f:
        f.write(FLOW_TEXT)
    with open(os.path.join(work, "items.json"), "w") as f:
        json.dump(items_of(args), f)
    seen = server.stats()
    server_cpu = cpu_of(server.proc.pid)
    wall, cpu, rss = run_flow(args, work, server)
    server_cpu = cpu_of(server.proc.pid) - server_cpu
    now = server.stats()
    if now["requests"] - seen["requests"] != args.calls:
        sys.exit(f"the server saw {now['requests'] - seen['requests']} requests, not {args.calls}")
    # less the connection of the second stats() request itself
    return wall, cpu, rss, server_cpu, now["connections"] - seen["connections"] - 1


if __name__ == "__main__":
    main()

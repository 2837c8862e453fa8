#!/usr/bin/env python3
"""The model API backends under load (bench/README.md, "Model API backends"): 1,000 agent
calls, a fan-out over a 1,000-item list, on the `openai` (or `anthropic`) backend against the
fake model API on 127.0.0.1 answering each request after 50 ms, --jobs 64.

Prints flow's wall time against the ideal ceil(1000/64) x 50 ms, the ratio (target <= 1.10),
flow's CPU time per call, its peak RSS, and the fake server alone under the same load (64
Python client threads, no flow) so that a slow server is not mistaken for a slow flow.

  api_bench.py [--flow PATH] [--calls N] [--jobs N] [--delay-ms MS] [--api openai|anthropic]
               [--repeat N] [--work DIR]
"""
import argparse
import http.client
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
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
    cmd = [args.flow, "run", "bench.flow", "--jobs", str(args.jobs), "--input", "items=@items.json"]
    env = dict(os.environ, BENCH_KEY="bench")
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"flow failed: {p.stderr.read().decode()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def server_alone(args, server, fresh):
    """The fake server under the same load without flow: --jobs threads, each with one
    connection kept open, or (`fresh`) a new connection per request, as flow's client makes."""
    path = "/v1/chat/completions" if args.api == "openai" else "/v1/messages"
    body = json.dumps({"model": "bench", "max_tokens": 100,
                       "messages": [{"role": "user", "content": "Answer for the item."}]})
    counter = iter(range(args.calls))
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", server.port)
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            if fresh:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port)
            conn.request("POST", path, body, {"content-type": "application/json", "x-api-key": "bench",
                                              "anthropic-version": "2023-06-01"})
            conn.getresponse().read()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flow", default=os.path.join(ROOT, "build", "bin", "flow"))
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=64)
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--api", choices=("openai", "anthropic"), default="openai")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", help="scratch directory (default: bench-work in the build tree)")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} (2-core machines are easily saturated)")
    args.flow = os.path.abspath(args.flow)
    # Not /tmp: flow creates a prompt and an output file per call, and creating files in a
    # directory full of recently deleted inodes costs several times more (bench/README.md).
    base = args.work or os.path.join(os.path.dirname(os.path.dirname(args.flow)), "bench-work")
    os.makedirs(base, exist_ok=True)
    if not os.access(args.flow, os.X_OK):
        sys.exit(f"no flow at {args.flow}; build it or give --flow")
    ideal = math.ceil(args.calls / args.jobs) * args.delay_ms / 1000
    server = FakeModelApi({"rules": [], "default": {"text": "ok", "delay_ms": args.delay_ms,
                                                    "usage": {"input_tokens": 20, "output_tokens": 2}}})
    try:
        for fresh in (False, True):
            alone = min(server_alone(args, server, fresh) for _ in range(args.repeat))
            print(f"fake server alone, {'a new connection per request' if fresh else 'connections kept open'}: "
                  f"{args.calls} requests, {args.jobs} at once: {alone:.3f} s ({alone / ideal:.2f} x ideal)")
        best = None
        for _ in range(args.repeat):
            work = tempfile.mkdtemp(prefix="api-bench-", dir=base)
            try:
                with open(os.path.join(work, "bench.flow"), "w") as f:
                    f.write(FLOW_TEXT)
                with open(os.path.join(work, "items.json"), "w") as f:
                    json.dump([f"item {i}" for i in range(args.calls)], f)
                res = run_flow(args, work, server)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            print(f"  flow run: wall {res[0]:.3f} s, CPU {res[1]:.3f} s, peak RSS {res[2] / 1024:.1f} MiB")
            best = res if best is None or res[0] < best[0] else best
        wall, cpu, rss = best
        print(f"flow, {args.api}: {args.calls} calls, --jobs {args.jobs}, {args.delay_ms} ms per answer")
        print(f"  wall {wall:.3f} s, ideal {ideal:.3f} s, ratio {wall / ideal:.3f} (target <= 1.10)")
        print(f"  flow CPU {cpu * 1000 / args.calls:.2f} ms per call ({cpu:.3f} s in all)")
        print(f"  peak RSS {rss / 1024:.1f} MiB")
    finally:
        server.close()


if __name__ == "__main__":
    main()

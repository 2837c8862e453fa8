#!/usr/bin/env python3
"""Measures how long `flowc lsp` takes to re-check a document: the time from sending a
textDocument/didChange (full text) to receiving its textDocument/publishDiagnostics, over a
pipe to the real server, on a generated flow of at least LINES lines (default 1000).

    bench/lsp/run.py [FLOWC] [--lines N] [--changes N]

Prints the file's size, then the minimum, median, 90th percentile and maximum latency of
CHANGES edits (default 50), each of which adds or removes an error so that every re-check
really publishes something new. Not a test: timings depend on the machine and its load.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "lsp"))
from lsp_client import Server, uri_of  # noqa: E402


def generated_flow(lines):
    steps = 1000
    while True:
        text = subprocess.run([sys.executable, os.path.join(HERE, "..", "compiler", "gen_flow.py"),
                               str(steps)], capture_output=True, text=True, check=True).stdout
        if text.count("\n") >= lines:
            return text
        steps += 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("flowc", nargs="?", default=os.path.join(HERE, "..", "..", "build", "bin",
                                                             "flowc"))
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--changes", type=int, default=50)
    args = ap.parse_args()
    text = generated_flow(args.lines)
    broken = text + "stage extra-stage\n  nobody-at-all\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.flow")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        s = Server(os.path.abspath(args.flowc))
        s.initialize()
        s.open(path, text)
        first = s.diagnostics(uri_of(path))
        assert first == [], "the generated flow should be clean: " + json.dumps(first)[:300]
        times = []
        for i in range(args.changes):
            new = broken if i % 2 == 0 else text
            start = time.perf_counter()
            s.change(path, new, i + 2)
            diags = s.diagnostics(uri_of(path))
            times.append((time.perf_counter() - start) * 1000)
            assert (len(diags) > 0) == (i % 2 == 0), diags
        s.stop()
    times.sort()
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print(f"file: {text.count(chr(10))} lines, {len(text) // 1024} KB; {args.changes} changes")
    print(f"didChange -> publishDiagnostics (ms): min {times[0]:.1f}, median "
          f"{statistics.median(times):.1f}, p90 {p90:.1f}, max {times[-1]:.1f}")


if __name__ == "__main__":
    main()

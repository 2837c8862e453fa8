#!/usr/bin/env python3
"""An operator's run of the standard library's backend pipeline, end to end on simulated agents
with a cost per call: started with no terminal and a cost budget, sending its spans live to a
fake OpenTelemetry collector; it waits at the requirements approval until `flow approve` comes
from another process, stops exactly at the budget (exit 3), resumes with a larger budget and
finishes; the HTML report of that run then loads in headless chromium with no console message
and shows the approval and the budget stop; the collector received the run's spans.

usage: operator_test.py FLOW   (needs chromium; fails without it)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import CHROMIUM, chromium, parse  # noqa: E402
from collector import Collector, start_collector  # noqa: E402
from flowtest import check, failures  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
COST = 0.01     # each simulated call
BUDGET = 0.05   # so exactly five calls start


def flow(*args, cwd):
    return subprocess.run([FLOW, *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=300)


def events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def calls(evs):
    return [e for e in evs if e["event"] == "attempt" and e.get("kind") in ("agent", "review")]


def wait_for_request(run_root, timeout=60):
    """The run directory and the name of the step whose approval request appears first."""
    end = time.time() + timeout
    while time.time() < end:
        for run in os.listdir(run_root) if os.path.isdir(run_root) else []:
            pending = os.path.join(run_root, run, "approvals")
            names = [n for n in os.listdir(pending) if n.endswith(".request")] if os.path.isdir(pending) else []
            if names:
                with open(os.path.join(pending, names[0]), encoding="utf-8") as f:
                    try:
                        return os.path.join(run_root, run), json.load(f)["step"]
                    except ValueError:
                        pass
        time.sleep(0.05)
    return None, None


def load_in_chromium(page):
    dom, console = chromium(page, "--dump-dom")
    return parse(dom), console


def run_until_budget(work, endpoint):
    """Starts the run with no terminal, approves from here, and waits for the budget stop."""
    out = open(os.path.join(work, "run.out"), "w")
    p = subprocess.Popen([FLOW, "run", "std/backend", "--input", "feature=Export invoices as CSV",
                          "-j", "1", "--sim-cost", str(COST), "--max-cost", str(BUDGET),
                          "--otlp-endpoint", endpoint],
                         cwd=work, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                         start_new_session=True)
    run_dir, step = wait_for_request(os.path.join(work, ".flow", "runs"))
    check(run_dir is not None, "the run waits for an approval instead of stopping")
    if run_dir is None:
        p.kill()
        p.wait()
        return None
    check(p.poll() is None, "the run is still alive while it waits")
    run = os.path.basename(run_dir)
    r = flow("approve", run, step, "--comment", "requirements are right", cwd=work)
    check(r.returncode == 0, f"flow approve from a second process: {r.returncode} {r.stderr}")
    try:
        code = p.wait(timeout=240)
    except subprocess.TimeoutExpired:
        p.kill()
        code = p.wait()
    with open(os.path.join(work, "run.out"), encoding="utf-8") as f:
        text = f.read()
    check(code == 3, f"the cost budget stops the run with exit 3, got {code}: {text[-1500:]}")
    check(f"the cost budget of ${BUDGET:.4f} is spent" in text, f"the stop says why: {text[-800:]}")
    n = len(calls(events(run_dir)))
    check(n == round(BUDGET / COST), f"exactly {round(BUDGET / COST)} calls start under the budget, got {n}")
    return run_dir


def main():
    if CHROMIUM is None:
        print("operator_test: chromium is not installed (scripts/setup installs it)")
        return 1
    server = start_collector()
    work = tempfile.mkdtemp(prefix="flow-operator-")
    try:
        run_dir = run_until_budget(work, f"http://127.0.0.1:{server.server_port}/")
        if run_dir is None:
            return 1
        run = os.path.basename(run_dir)
        r = flow("resume", run, "--max-cost", "100", cwd=work)
        check(r.returncode == 0, f"resume with a larger budget finishes: {r.returncode} {r.stderr[-800:]}")
        evs = events(run_dir)
        check(len(calls(evs)) > round(BUDGET / COST), "the rest of the pipeline ran after the resume")
        approvals = [e for e in evs if e["event"] == "approval"]
        check(len(approvals) == 1 and approvals[0]["how"] == "flow approve",
              f"one approval, given with flow approve: {approvals}")

        r = flow("report", run, "-o", "report.html", cwd=work)
        check(r.returncode == 0, f"flow report: {r.returncode} {r.stderr}")
        dom, console = load_in_chromium(os.path.join(work, "report.html"))
        check(console == [], f"the report loads with no console message: {console}")
        check(dom.all("body", **{"data-ready": "yes"}) != [], "the report's script ran")
        rows = dom.all("tr", **{"class": "call-row"})
        dispatched = [e for e in evs if e["event"] == "dispatch"]
        check(len(rows) == len(dispatched), f"one timeline row per call: {len(rows)} of {len(dispatched)}")
        with open(os.path.join(work, "report.html"), encoding="utf-8") as f:
            page = f.read()
        for what in ("budget_exhausted", "approval", "requirements are right"):
            check(what in page, f"the report shows `{what}`")

        spans = []
        for _, _, body in Collector.received:
            for rs in json.loads(body)["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    spans.extend(ss["spans"])
        check(len(spans) >= round(BUDGET / COST), f"the collector received the run's spans: {len(spans)}")
        r = flow("export", run, "--otlp-json", "-", cwd=work)
        check(r.returncode == 0 and "resourceSpans" in r.stdout, f"flow export of the run: {r.stderr}")
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("operator: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

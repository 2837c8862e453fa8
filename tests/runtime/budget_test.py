#!/usr/bin/env python3
"""Budgets, end to end on simulated agents with a configured cost per call: a cost budget
stops the standard library's backend pipeline exactly at the budget (no new call once the
amount spent reaches it), `flow resume --max-cost` continues with a larger one and counts
what was spent before, a token budget does the same, `rule at most N calls` refuses to
start a run whose list inputs make the bound exceed N, and `rule at most N dollars` / `N tokens`
in the flow are budgets that the command line can lift on resume.

usage: budget_test.py PATH/TO/flow
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowtest import check, failures  # noqa: E402

FLOW = """flow limited "Researches each domain, then writes a summary"
input domains: list = ["auth", "storage"] "Areas to research"
agent researcher < description "Researches"; tools Read; prompt "Research it." >
agent summarizer < description "Summarizes"; tools Read; prompt "Summarize." >
stage research researcher over domains
stage summary summarizer
rule at most 4 calls
"""


def events_of(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def calls(events):
    """Agent and review calls that finished (each reported its usage)."""
    return [e for e in events if e["event"] == "attempt" and e.get("kind") in ("agent", "review")]


def only_run(root):
    runs = [d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "run.json"))]
    return runs[0] if len(runs) == 1 else None


def flow_cmd(flow, work, *args):
    return subprocess.run([flow, *args], cwd=work, capture_output=True, text=True, timeout=300)


def status_of(root, run):
    with open(os.path.join(root, run, "run.json"), encoding="utf-8") as f:
        return json.load(f)["status"]


def cost_budget(flow, work):
    root = os.path.join(work, "runs-cost")
    base = ["--run-dir", root]
    r = flow_cmd(flow, work, "run", "std/backend", "--input", "feature=Add login", "--yes",
                 "-j", "1", "--sim-cost", "0.01", "--max-cost", "0.05", *base)
    check(r.returncode == 3, f"a spent cost budget exits 3, got {r.returncode}: {r.stderr}")
    run = only_run(root)
    check(run is not None, "the stopped run is kept")
    if run is None:
        return
    out = r.stdout + r.stderr
    check("stopped: the cost budget of $0.0500 is spent ($0.0500 in 5 calls)" in out,
          f"the message says the budget is spent and what was spent: {out}")
    check(f"flow resume {run} --max-cost" in out, f"the message says how to resume: {out}")
    ev = events_of(os.path.join(root, run))
    check(len(calls(ev)) == 5, f"exactly 5 calls of $0.01 fit in $0.05, got {len(calls(ev))}")
    stop = [e for e in ev if e["event"] == "budget_exhausted"]
    check(len(stop) == 1 and stop[0]["max_cost_usd"] == 0.05 and abs(stop[0]["cost_usd"] - 0.05) < 1e-9,
          f"one budget_exhausted event with the budget and the amount spent: {stop}")
    check(status_of(root, run) == "budget_exhausted", "run.json says the budget stopped the run")

    # A larger budget counts the $0.05 spent: three more calls, then it stops again.
    r = flow_cmd(flow, work, "resume", run, "--max-cost", "0.08", *base)
    check(r.returncode == 3, f"resume with $0.08 stops again with exit 3, got {r.returncode}: {r.stderr}")
    ev = events_of(os.path.join(root, run))
    check(len(calls(ev)) == 8, f"$0.08 allows 8 calls in all, got {len(calls(ev))}")

    # A budget large enough for the rest: the run finishes.
    r = flow_cmd(flow, work, "resume", run, "--max-cost", "100", *base)
    check(r.returncode == 0, f"resume with a large budget succeeds, got {r.returncode}: {r.stderr}")
    check(status_of(root, run) == "succeeded", "the resumed run succeeded")
    ev = events_of(os.path.join(root, run))
    n = len(calls(ev))
    check(n > 8, f"the rest of the pipeline ran after the last resume ({n} calls)")


def token_budget(flow, work):
    root = os.path.join(work, "runs-tokens")
    r = flow_cmd(flow, work, "run", "std/backend", "--input", "feature=Add login", "--yes",
                 "-j", "1", "--sim-tokens", "1000", "--max-tokens", "3000", "--run-dir", root)
    check(r.returncode == 3, f"a spent token budget exits 3, got {r.returncode}: {r.stderr}")
    run = only_run(root)
    if run is None:
        return check(False, "the token-stopped run is kept")
    out = r.stdout + r.stderr
    check("the token budget of 3000 is spent (3000 tokens in 3 calls)" in out, f"token message: {out}")
    check(f"flow resume {run} --max-tokens" in out, f"says how to resume: {out}")
    check(len(calls(events_of(os.path.join(root, run)))) == 3, "3 calls of 1000 tokens fit in 3000")
    # Resuming without a new budget keeps the old one: nothing more can start.
    r = flow_cmd(flow, work, "resume", run, "--run-dir", root)
    check(r.returncode == 3, f"resume without a new budget stops at once, got {r.returncode}")
    check(len(calls(events_of(os.path.join(root, run)))) == 3, "no call started without a new budget")


def call_rule(flow, work):
    with open(os.path.join(work, "limited.flow"), "w", encoding="utf-8") as f:
        f.write(FLOW)
    root = os.path.join(work, "runs-rule")
    r = flow_cmd(flow, work, "run", "limited.flow", "--input", "domains=a,b,c,d,e",
                 "--run-dir", root)
    check(r.returncode == 2, f"a run that could break `at most 4 calls` is refused with 2, got {r.returncode}")
    check("limited.flow:7:1: error: rule `at most 4 calls` cannot hold for these inputs: the run "
          "could make up to 6 agent calls" in r.stderr, f"the refusal names the rule and the bound: {r.stderr}")
    check("give fewer items" in r.stderr, "the refusal says how to fix it")
    check(not os.path.exists(root) or not os.listdir(root), "a refused run leaves no run directory")
    r = flow_cmd(flow, work, "run", "limited.flow", "--input", "domains=a,b,c", "--run-dir", root)
    check(r.returncode == 0, f"three items make four calls, within the rule: {r.returncode} {r.stderr}")


RULED = """flow ruled "Four writers, a budget in the flow itself"
agent writer < description "Writes"; tools Read; prompt "Write." >
stage one writer
stage two writer as second
stage three writer as third
stage four writer as fourth
rule at most 0.025 dollars
rule at most 100000 tokens
"""


def budget_rules(flow, work):
    with open(os.path.join(work, "ruled.flow"), "w", encoding="utf-8") as f:
        f.write(RULED)
    r = flow_cmd(flow, work, "run", "ruled.flow", "--dry-run", "--max-tokens", "7")
    check(r.returncode == 0 and "Budgets: $0.0250 (rule at ruled.flow:7:1), 7 tokens (--max-tokens)"
          in r.stdout, f"--dry-run shows the budgets and where they come from: {r.stdout} {r.stderr}")
    root = os.path.join(work, "runs-budget-rule")
    r = flow_cmd(flow, work, "run", "ruled.flow", "-j", "1", "--sim-cost", "0.01",
                 "--run-dir", root)
    check(r.returncode == 3, f"the flow's cost rule stops the run with 3, got {r.returncode}: {r.stderr}")
    run = only_run(root)
    if run is None:
        return check(False, "the run stopped by a rule is kept")
    out = r.stdout + r.stderr
    check("the cost budget of $0.0250 (rule at ruled.flow:7:1) is spent ($0.0300 in 3 calls)" in out,
          f"the message names the rule and what was spent: {out}")
    check(len(calls(events_of(os.path.join(root, run)))) == 3, "3 calls of $0.01 start under $0.025")
    # Resuming without a budget keeps the rule's: nothing more starts.
    r = flow_cmd(flow, work, "resume", run, "--run-dir", root)
    check(r.returncode == 3, f"resume keeps the rule's budget, got {r.returncode}: {r.stderr}")
    check(len(calls(events_of(os.path.join(root, run)))) == 3, "no call without a larger budget")
    # --max-cost on resume lifts it; a later resume keeps the larger budget.
    r = flow_cmd(flow, work, "resume", run, "--max-cost", "1", "--run-dir", root)
    check(r.returncode == 0, f"a larger budget on resume finishes the run: {r.returncode} {r.stderr}")
    check(len(calls(events_of(os.path.join(root, run)))) == 4, "the fourth writer ran")

    # A token rule on the command line's side: --max-tokens replaces the rule from the start.
    root = os.path.join(work, "runs-token-rule")
    r = flow_cmd(flow, work, "run", "ruled.flow", "-j", "1", "--sim-tokens", "60000",
                 "--run-dir", root)
    check(r.returncode == 3 and "the token budget of 100000 (rule at ruled.flow:8:1) is spent "
          "(120000 tokens in 2 calls)" in r.stdout + r.stderr,
          f"the token rule stops after two calls of 60000: {r.returncode} {r.stdout} {r.stderr}")
    root = os.path.join(work, "runs-token-lifted")
    r = flow_cmd(flow, work, "run", "ruled.flow", "-j", "1", "--sim-tokens", "60000",
                 "--max-tokens", "1000000", "--run-dir", root)
    check(r.returncode == 0, f"--max-tokens lifts the flow's token rule: {r.returncode} {r.stderr}")


def bad_options(flow, work):
    for args, want in ((["--max-cost", "lots"], "--max-cost expects US dollars"),
                       (["--max-tokens", "-3"], "--max-tokens expects a whole number"),
                       (["--sim-cost", "1e9x"], "--sim-cost expects US dollars")):
        r = flow_cmd(flow, work, "run", "limited.flow", *args, "--run-dir", os.path.join(work, "bad"))
        check(r.returncode == 2 and want in r.stderr, f"{args}: exit 2 and '{want}': {r.returncode} {r.stderr}")


def main():
    flow = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="flow-budget-")
    try:
        cost_budget(flow, work)
        token_budget(flow, work)
        call_rule(flow, work)
        budget_rules(flow, work)
        bad_options(flow, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()

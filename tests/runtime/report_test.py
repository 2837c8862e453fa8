#!/usr/bin/env python3
"""`flow report` end to end in a real headless browser (Debian's `chromium`): the standard
library's backend pipeline on simulated agents with one reworked step; the page loads with no
console message, says at the top that agents were simulated, has a timeline row per call (the
rework included, gate checks numbered from 1), an SVG DAG with one node per step coloured by its
outcome, the rules as written, one sentence instead of empty cost tables, and lays out within a
1400 px window; screenshots go to the artefacts directory. A run that fails at a gate says so at
the top with the gate's last feedback; a run whose calls report cost has the cost tables. Agent
output full of markup and control characters runs no script. Errors (no such run, a damaged
store, a full disk) exit non-zero with a message.

usage: report_test.py FLOW ARTIFACTS_DIR   (needs chromium and root for the tmpfs; fails
without them)"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import CHROMIUM, chromium, page_widths, parse, text_of  # noqa: E402
from flowtest import check, failures, node, write_ir  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
ARTIFACTS = os.path.abspath(sys.argv[2])
REWORKED = "backend-new-functionality-agent"
WIDTH = 1400  # the window a person reads the page in


def screenshot(page, name):
    """Saves what a person sees at WIDTH px to the artefacts directory (CI keeps it)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, name)
    if os.path.exists(shot):
        os.remove(shot)
    chromium(page, f"--window-size={WIDTH},2400", "--screenshot=" + shot)
    check(os.path.getsize(shot) > 10000 if os.path.exists(shot) else False, f"a screenshot is written to {shot}")


def fits_the_window(page, base, what):
    scroll, client = page_widths(page, WIDTH, base)
    print(f"report: {what} at {WIDTH} px: scrollWidth {scroll}, clientWidth {client}")
    check(scroll <= client, f"{what}: no sideways scrolling at {WIDTH} px: scrollWidth {scroll} > {client}")


def flow(*args, cwd, env=None):
    return subprocess.run([FLOW, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def only_run(root):
    runs = os.listdir(root)
    assert len(runs) == 1, runs
    return os.path.join(root, runs[0])


def test_console_check_catches_errors(base):
    """The check below must be able to fail: a page with a script error is caught."""
    page = os.path.join(base, "broken.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><html><body><p>x</p><script>no_such_function();</script></body></html>")
    _, console = chromium(page, "--dump-dom")
    check(any("no_such_function" in c for c in console), f"a script error shows in the console lines: {console}")


def test_stdlib_report(base):
    work = os.path.join(base, "std")
    os.makedirs(work)
    r = flow("run", "std/backend", "--input", "feature=a login form", "--yes",
             "--sim-fail-review", REWORKED, cwd=work)
    check(r.returncode == 0, f"the stdlib run succeeds: {r.stderr[-800:]}")
    run_dir = only_run(os.path.join(work, ".flow", "runs"))
    r = flow("report", "last", cwd=work)
    check(r.returncode == 0, f"flow report last exits 0: {r.stderr}")
    page = os.path.join(run_dir, "report.html")
    check(os.path.isfile(page), "the default output is RUN_DIR/report.html")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    for forbidden in ("http://", "https://", "src=\"//", "<link", "@import"):
        # the SVG namespace is a name, not a fetch
        hits = text.replace('xmlns="http://www.w3.org/2000/svg"', "").count(forbidden)
        check(hits == 0, f"the page references nothing outside itself ({forbidden} x{hits})")

    dom, console = chromium(page, "--dump-dom")
    check(console == [], f"the page loads with no console message: {console}")
    d = parse(dom)
    check(d.all("body", **{"data-ready": "yes"}) != [], "the page's own script ran (CSP nonce honoured)")

    evs = events(run_dir)
    dispatches = [e for e in evs if e["event"] == "dispatch"]
    rows = d.all("tr", **{"class": "call-row"})
    check(len(rows) == len(dispatches), f"one timeline row per call: {len(rows)} rows, {len(dispatches)} calls")
    check(d.all("tr", **{"class": "call-row", "data-step": REWORKED, "data-attempt": "2"}) != [],
          "the rework (attempt 2) has its timeline row")
    check(d.all("tr", **{"class": "call-row", "data-step": REWORKED + "/gate", "data-attempt": "1"}) != [],
          "the failed review has its timeline row")

    with open(os.path.join(run_dir, "ir.json"), encoding="utf-8") as f:
        ir = json.load(f)
    check(len(d.all("svg", id="dag")) == 1, "the DAG is an inline SVG")
    nodes = d.all("g", **{"class": "node"})
    check(sorted(n["data-step"] for n in nodes) == sorted(n["name"] for n in ir["nodes"]),
          "one DAG node per step of the flow")
    status = {n["data-step"]: n["data-status"] for n in nodes}
    skipped = {e["step"] for e in evs if e["event"] == "skip"}
    for n in ir["nodes"]:
        want = "skipped" if n["name"] in skipped else ("passed" if n["kind"] == "gate" else "done")
        check(status.get(n["name"]) == want, f"DAG node {n['name']} is {want}: {status.get(n['name'])}")
    colours = {n["data-status"]: None for n in nodes}
    check(len(colours) == 3, f"three outcomes shown: {sorted(colours)}")
    node_fills = {r["fill"] for r in d.all("rect") if r.get("stroke") != "none"}  # not the stage bands
    check(len(node_fills) >= 3, f"outcomes have different colours: {node_fills}")

    for table in ("timeline", "rules", "events"):
        check(d.all("table", id=table) != [], f"the page has the {table} table")
    check(len(d.all("details", **{"class": "call"})) == len(dispatches), "each call has its details")
    check(len(d.all("pre", **{"class": "prompt"})) > 0 and len(d.all("pre", **{"class": "feedback"})) > 0,
          "prompts and feedback are shown")

    # What a person reads first: that the agents were simulated, above the run's facts.
    order = [(t, a.get("id")) for t, a in d.elements]
    check(("p", "simulated") in order and order.index(("p", "simulated")) < order.index(("table", "run")),
          "the simulated banner comes before the run's table")
    check("Agents were simulated" in (text_of(dom, "p", "simulated") or ""), "the banner says agents were simulated")
    # Gate checks are numbered from 1, as the terminal prints them (`plan/gate check 1`).
    labels = re.findall(r'<a href="#call-\d+">([^<]*)</a>', dom)
    check("backend-task-summarizer/gate check 1" in labels and "backend-task-summarizer/gate check 2" in labels,
          f"the summarizer's gate has checks 1 and 2: {labels[:4]}")
    for wrong in ("check 0", "gate[", "gate [0]"):
        check(wrong not in dom, f"no check is called `{wrong}`")
    # Rules as written, not JSON.
    rules = text_of(dom, "table", "rules") or ""
    for rule in ("rule backend-planner before backend-implementer", "rule every step reviewed by code-review",
                 'rule backend-engineer writes only "backend/**", "issues.md"', "rule at most 150 calls"):
        check(rule in rules, f"the rules table shows `{rule}`: {rules[:300]}")
    check("{" not in rules and '"kind"' not in rules, f"no rule is shown as JSON: {rules[:300]}")
    # No call reported cost: one sentence, no empty tables.
    check(d.all("p", id="no-cost") != [], "the page says no call reported cost")
    check(d.all("table", **{"class": "usage"}) == [], "no empty cost tables")
    check(d.all("div", id="failure") == [], "a run that succeeded has no failure banner")

    fits_the_window(page, base, "the standard pipeline's report")
    screenshot(page, "report-stdlib-backend.png")


def test_costs_reported(base):
    """Calls that report cost (`--sim-cost`) fill the cost tables."""
    work = os.path.join(base, "costs")
    os.makedirs(work)
    r = flow("run", "std/backend", "--input", "feature=a login form", "--yes", "--sim-cost", "0.01", cwd=work)
    check(r.returncode == 0, f"the run with costs succeeds: {r.stderr[-800:]}")
    page = os.path.join(base, "costs.html")
    r = flow("report", "last", "-o", page, cwd=work)
    check(r.returncode == 0, f"flow report exits 0: {r.stderr}")
    dom, console = chromium(page, "--dump-dom")
    check(console == [], f"no console message: {console}")
    d = parse(dom)
    for table in ("cost-run", "cost-steps", "cost-agents", "cost-stages"):
        check(d.all("table", id=table) != [], f"the page has the {table} table")
    check(d.all("p", id="no-cost") == [], "no 'no cost' sentence when calls reported cost")


def test_failed_report(base):
    """A run whose gate runs out of retries: the page says at the top which gate, which check
    and its last feedback."""
    work = os.path.join(base, "failed")
    os.makedirs(work)
    r = flow("run", "std/backend", "--input", "feature=a login form", "--yes",
             "--sim-fail-review", "backend-planner:5", cwd=work)
    check(r.returncode == 1, f"the run fails at backend-planner's gate: {r.returncode} {r.stderr[-800:]}")
    run_dir = only_run(os.path.join(work, ".flow", "runs"))
    r = flow("report", "last", cwd=work)
    check(r.returncode == 0, f"flow report of a failed run exits 0: {r.stderr}")
    page = os.path.join(run_dir, "report.html")
    dom, console = chromium(page, "--dump-dom")
    check(console == [], f"no console message: {console}")
    d = parse(dom)
    order = [(t, a.get("id")) for t, a in d.elements]
    check(("div", "failure") in order and order.index(("div", "failure")) < order.index(("table", "run")),
          "the failure banner comes before the run's table")
    banner = text_of(dom, "div", "failure") or ""
    for part in ("gate backend-planner/gate rejected backend-planner 3 times",
                 "the last rejection was check 1 (review by code-review)",
                 "Last feedback:", "Add error handling and tests for the failure paths.",
                 "flow resume " + os.path.basename(run_dir)):
        check(part in banner, f"the failure banner says `{part}`: {banner}")
    fits_the_window(page, base, "a failed run's report")
    screenshot(page, "report-stdlib-backend-failed.png")


HOSTILE = ('</textarea></pre><script>document.title="pwned";window.pwned=1</script>'
           '<img src=x onerror="document.title=\'pwned\'"> "double" \'single\' '
           '\u202eevil\u202c \u2066iso\u2069 \x1b[2J\x1b]0;title\x07 bell\x07 nul-free end')


def test_hostile_output(base):
    work = os.path.join(base, "hostile")
    os.makedirs(work)
    write_ir(os.path.join(work, "demo.json"), [node(0, "writer", "agent", [], agent="planner")])
    with open(os.path.join(work, "flow.yaml"), "w", encoding="utf-8") as f:
        f.write("default_backend: sh\nbackends:\n  sh:\n    shell: 'cat >/dev/null; printf \"%s\" \"$HOSTILE\"'\n")
    env = dict(os.environ, HOSTILE=HOSTILE)
    r = flow("run", "demo.json", cwd=work, env=env)
    check(r.returncode == 0, f"the hostile run succeeds: {r.stderr[-500:]}")
    page = os.path.join(base, "hostile.html")
    r = flow("report", "last", "-o", page, cwd=work)
    check(r.returncode == 0, f"flow report -o FILE exits 0: {r.stderr}")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    check("\u202e" not in text and "\u2066" not in text and "\x1b" not in text and "\x07" not in text,
          "bidi and control characters are not in the page")
    check("&lt;/textarea&gt;&lt;/pre&gt;&lt;script&gt;" in text, "the agent's markup is shown as text")
    dom, console = chromium(page, "--dump-dom")
    check(console == [], f"no console message (no injected script ran or was refused): {console}")
    d = parse(dom)
    check(len(d.all("script")) == 1, f"only the page's own script: {len(d.all('script'))}")
    check(d.all("img") == [], "no injected image")
    check("pwned" not in dom.split("</title>")[0], "the title was not changed by an injected script")
    check("&lt;script&gt;document.title" in dom, "the DOM holds the markup as text")

    r = flow("report", "last", "-o", "-", cwd=work)
    check(r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>"), "-o - writes the page to stdout")


def fill(path):
    """Writes until the file system is full."""
    try:
        with open(path, "wb") as f:
            while True:
                f.write(b"x" * 1024)
                f.flush()
    except OSError:
        pass


def test_errors(base):
    work = os.path.join(base, "errors")
    os.makedirs(work)
    r = flow("report", "last", cwd=work)
    check(r.returncode == 2 and "no runs under" in r.stderr, f"no runs: exit 2 and why: {r.returncode} {r.stderr}")
    write_ir(os.path.join(work, "demo.json"), [node(0, "a", "command", [],
                                                 command="head -c 20000 /dev/zero | tr '\\0' x")])
    r = flow("run", "demo.json", cwd=work)
    check(r.returncode == 0, f"a small run: {r.stderr}")
    r = flow("report", "20990101-000000-zzzz", cwd=work)
    check(r.returncode == 2 and "no run 20990101-000000-zzzz" in r.stderr, f"unknown run: exit 2: {r.stderr}")
    r = flow("export", "nope", "--otlp-json", "x.json", cwd=work)
    check(r.returncode == 2 and "no run nope" in r.stderr, f"export of an unknown run: exit 2: {r.stderr}")
    r = flow("report", "last", "-o", os.path.join(work, "no", "such", "dir.html"), cwd=work)
    check(r.returncode == 1 and "cannot write the report" in r.stderr, f"unwritable -o: exit 1: {r.stderr}")

    mnt = os.path.join(base, "full")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", mnt], check=True)
    try:
        target = os.path.join(mnt, "report.html")
        r = flow("report", "last", "-o", target, cwd=work)
        check(r.returncode == 1 and "No space left on device" in r.stderr,
              f"a full disk: exit 1 with the system's error: {r.returncode} {r.stderr}")
        check(os.listdir(mnt) == [], f"nothing half-written is left: {os.listdir(mnt)}")
        fill(os.path.join(mnt, "filler"))
        r = flow("export", "last", "--otlp-json", os.path.join(mnt, "o.json"), cwd=work)
        check(r.returncode == 1 and "No space left on device" in r.stderr, f"export on a full disk: {r.stderr}")
    finally:
        subprocess.run(["umount", mnt])

    run_dir = only_run(os.path.join(work, ".flow", "runs"))
    ev = os.path.join(run_dir, "events.jsonl")
    with open(ev, encoding="utf-8") as f:
        lines = f.readlines()
    with open(ev, "w", encoding="utf-8") as f:
        f.writelines(lines[:1] + ["{garbled\n"] + lines[1:])
    r = flow("report", "last", cwd=work)
    check(r.returncode == 1 and "cannot read run" in r.stderr, f"a damaged event log: exit 1: {r.stderr}")


def main():
    if not CHROMIUM:
        print("FAIL: chromium is not installed (scripts/setup installs it: apt-get install chromium)")
        return 1
    with tempfile.TemporaryDirectory() as base:
        test_console_check_catches_errors(base)
        test_stdlib_report(base)
        test_costs_reported(base)
        test_failed_report(base)
        test_hostile_output(base)
        test_errors(base)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("report: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

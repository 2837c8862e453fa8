#!/usr/bin/env python3
"""`flow report` end to end in a real headless browser (Debian's `chromium`): the standard
library's backend pipeline on simulated agents with one reworked step; the page loads with no
console message, has a timeline row per call (the rework included), an SVG DAG with one node
per step coloured by its outcome, and the cost tables; a screenshot goes to the artefacts
directory. Agent output full of markup and control characters runs no script. Errors (no such
run, a damaged store, a full disk) exit non-zero with a message.

usage: report_test.py FLOW ARTIFACTS_DIR   (needs chromium and root for the tmpfs; fails
without them)"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import CHROMIUM, chromium, parse  # noqa: E402
from flowtest import check, failures, node, write_ir  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
ARTIFACTS = os.path.abspath(sys.argv[2])
REWORKED = "backend-new-functionality-agent"


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
    check(len(set(r["fill"] for r in d.all("rect"))) >= 3, "outcomes have different colours")

    for table in ("cost-run", "cost-steps", "cost-agents", "cost-stages", "timeline", "rules", "events"):
        check(d.all("table", id=table) != [], f"the page has the {table} table")
    check(len(d.all("details", **{"class": "call"})) == len(dispatches), "each call has its details")
    check(len(d.all("pre", **{"class": "prompt"})) > 0 and len(d.all("pre", **{"class": "feedback"})) > 0,
          "prompts and feedback are shown")

    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "report-stdlib-backend.png")
    if os.path.exists(shot):
        os.remove(shot)
    chromium(page, "--window-size=1400,2400", "--screenshot=" + shot)
    check(os.path.getsize(shot) > 10000 if os.path.exists(shot) else False, f"a screenshot is written to {shot}")


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
        test_hostile_output(base)
        test_errors(base)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("report: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

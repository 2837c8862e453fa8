#!/usr/bin/env python3
"""End to end: what `flow run` shows a person at a real terminal (tmux, a real terminal emulator
on a pseudo-terminal), read back from the screen and the scrollback as they would read them.

* the standard pipeline at 80x24 without --yes: the approval question, the work it is about and
  the keys stay on screen until answered by keys; `flow runs` shows the run waiting meanwhile;
  a "no" asks what should change and sends the work back; after the run, the scrollback holds
  one line per finished call, no line of the live view and no line wider than the window, and
  the final table has one row per step (gates folded in);
* an answer from another shell (`flow approve RUN STAGE`) while the terminal waits;
* Ctrl-C and `flow resume`: the header and the stages count what finished before;
* 60 and 200 columns, and a resize from 100 to 60 columns during a run.

usage: terminal_test.py PATH/TO/flow
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

from flowtest import check, failures

FLOW = os.path.abspath(sys.argv[1])
TMUX = shutil.which("tmux")
if not TMUX:
    print("FAIL: tmux is not installed (scripts/setup installs it)")
    sys.exit(1)

SOCKET = f"flow-terminal-test-{os.getpid()}"
ENV = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color")
ENV.pop("NO_COLOR", None)
ENV.pop("FLOW_CONFIG", None)
# Commands are typed as `flow ...` at a short prompt: the shell's own echo of a long command
# line is not what the test measures, and would wrap at 80 columns wherever the build lives.
ENV["PATH"] = os.path.dirname(FLOW) + os.pathsep + ENV.get("PATH", "")
ENV["PS1"] = "$ "
SHELL = "bash --norc --noprofile"

# A line of the live view's frame: the header and the running steps. None may stay behind.
FRAME = re.compile(r"^\d+/\d+ steps? finished · |^  > ")


def tmux(*args, check_rc=True):
    r = subprocess.run([TMUX, "-L", SOCKET, *args], env=ENV, capture_output=True, text=True,
                       timeout=30)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"tmux {' '.join(args)}: {r.stderr}")
    return r.stdout


def width(line):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else
               0 if unicodedata.combining(c) else 1 for c in line)


class Terminal:
    """One tmux session running a shell command in `cwd`, `cols` x `rows`."""

    def __init__(self, name, cmd, cwd, cols=80, rows=24):
        self.name = name
        # The pane stays after the command ends, so that its last screen can be read.
        tmux("new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows), "-c", cwd,
             f"{cmd}; echo \"[exit $?]\"; sleep 3600")
        tmux("set-option", "-t", name, "history-limit", "20000")

    def screen(self):
        return tmux("capture-pane", "-p", "-t", self.name)

    def scrollback(self):
        """Every line written, from the top of the history; lines the terminal wrapped are
        joined again (-J), so a line wider than the window shows as one long line."""
        return tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", self.name)

    def keys(self, *keys):
        tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, pattern, what, timeout=60, source=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = (source or self.screen)()
            m = re.search(pattern, text, re.M)
            if m:
                return m
            time.sleep(0.1)
        check(False, f"{what}: {pattern!r} never appeared; the screen:\n{self.screen()}")
        raise SystemExit(report())

    def resize(self, cols, rows):
        tmux("resize-window", "-t", self.name, "-x", str(cols), "-y", str(rows))

    def close(self):
        tmux("kill-session", "-t", self.name, check_rc=False)


def report():
    tmux("kill-server", check_rc=False)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("terminal: all checks passed")
    return 0


def flow_cmd(*args):
    return " ".join(["flow", *args])


def latest_run(cwd):
    root = os.path.join(cwd, ".flow", "runs")
    runs = sorted(os.listdir(root), key=lambda r: os.path.getmtime(os.path.join(root, r)))
    return os.path.join(root, runs[-1])


def events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def check_lines(text, cols, what):
    """No line wider than the window, and nothing left of the live view's frame."""
    for line in text.splitlines():
        check(width(line) <= cols, f"{what}: a line of {width(line)} columns in a window of "
                                   f"{cols}: {line!r}")
        check(not FRAME.search(line), f"{what}: a stale line of the live view: {line!r}")


def test_standard_pipeline_asks_and_fits(work):
    """The README's pipeline at 80x24, answered by keys: the Done-when of the terminal view."""
    t = Terminal("std", flow_cmd("run std/backend --input 'feature=Export invoices as CSV'",
                                 "--sim-latency 150"), work)
    q = r"^\? Does the requirements summary describe what you want built\?"
    t.wait_for(q, "the approval question is asked")
    time.sleep(1.5)  # six ticks of the live view: the question must still be there, whole
    screen = t.screen()
    check(re.search(q, screen, re.M), f"the question stays on screen:\n{screen}")
    check("about backend-task-summarizer:" in screen and "steps/backend-task-summarizer.a1" in screen,
          f"the question shows the work it is about and its file:\n{screen}")
    check(re.search(r"^  \u2502 ", screen, re.M), f"and the first lines of the work:\n{screen}")
    check("y approves" in screen and "[y/N]" in screen, f"and the keys:\n{screen}")
    check(not re.search(r"steps? finished", screen), f"the live view stands aside:\n{screen}")
    run_id = os.path.basename(latest_run(work))
    check(f"flow approve {run_id} backend-task-summarizer/gate" in screen.replace("\n    ", " "),
          f"and how to answer from another shell:\n{screen}")
    runs = subprocess.run([FLOW, "runs"], cwd=work, capture_output=True, text=True, timeout=30)
    row = next((l for l in runs.stdout.splitlines() if l.startswith(run_id)), "")
    check(" waiting " in row, f"`flow runs` shows the run waiting: {runs.stdout}")

    t.keys("n", "Enter")
    t.wait_for(r"What should change\?\s*$", "a no asks what should change")
    t.keys("Name the CSV columns", "Enter")
    t.wait_for(r"retry backend-task-summarizer/gate: sent back", "the work is sent back")
    t.wait_for(r"steps/backend-task-summarizer\.a2\.output\.md", "asked again about the rework")
    t.keys("y", "Enter")
    t.wait_for(r"^\[exit 0\]", "the run succeeds", timeout=120)

    run = latest_run(work)
    evs = events(run)
    prompt = open(os.path.join(run, "steps", "backend-task-summarizer.a2.prompt.md"),
                  encoding="utf-8").read()
    check("Name the CSV columns" in prompt, "the typed feedback reaches the rework's prompt")
    approvals = [e for e in evs if e["event"] == "approval"]
    check([e["approved"] for e in approvals] == [False, True] and
          all(e["how"] == "tty" for e in approvals), f"two answers at the terminal: {approvals}")

    text = t.scrollback()
    body = text[:text.rindex("[exit 0]")]
    check_lines(body, 80, "80 columns")
    calls = [e for e in evs if e["event"] == "attempt" and e["kind"] == "agent"]
    ok_lines = re.findall(r"^\[ *[\d.]+s\] ok    ", body, re.M)
    check(len(ok_lines) == len(calls), f"one scrollback line per finished call: {len(ok_lines)} "
                                       f"lines, {len(calls)} calls")
    reviews = [e for e in evs if e["event"] == "verdict" and e["check"] == "review"]
    verdict_lines = re.findall(r"^\[ *[\d.]+s\] (PASS|FAIL)  \S+/gate( item \d+)?: code-review", body, re.M)
    check(len(verdict_lines) == len(reviews), f"one line per review call: {len(verdict_lines)}, "
                                              f"{len(reviews)} reviews")
    table = body[body.index("\nstep ") + 1:]
    table = table[:table.index("\nrun ")]
    check("/gate" not in table, f"the table folds gates into their steps:\n{table}")
    rows = table.splitlines()[1:]
    check(len(rows) == 19, f"one row per step (18) and the validation block: {len(rows)}\n{table}")
    check(re.search(r"^backend-task-summarizer +passed +2 ", table, re.M),
          f"the summarizer's row: passed after 2 attempts:\n{table}")
    t.close()


def test_answer_from_another_shell(work):
    t = Terminal("other", flow_cmd("run examples/human-approval.flow --sim-latency 50"), work)
    t.wait_for(r"^\? Does this plan look right\?", "the plan's question")
    # The stage's name stands for its one approval.
    r = subprocess.run([FLOW, "approve", "last", "plan", "--comment", "fine"], cwd=work,
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"flow approve last plan: {r.returncode} {r.stderr}")
    t.wait_for(r"answered from another shell by \S+: approved", "the terminal says who answered")
    t.wait_for(r"^\? Start building now\?", "the next question")
    r = subprocess.run([FLOW, "reject", "last", "go-ahead", "--feedback", "not today"], cwd=work,
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"flow reject last go-ahead: {r.returncode} {r.stderr}")
    t.wait_for(r"^\[exit 1\]", "a refused approval step fails the run")
    evs = events(latest_run(work))
    hows = [(e["step"], e["approved"], e["how"]) for e in evs if e["event"] == "approval"]
    check(hows == [("planner/gate", True, "flow approve"), ("approve", False, "flow approve")],
          f"the answers from another shell are recorded as such: {hows}")
    check_lines(t.scrollback(), 80, "answered elsewhere")
    t.close()


def test_resume_counts(work):
    t = Terminal("resume", SHELL, work)
    t.keys(flow_cmd("run std/backend --input feature=x --sim-latency 300 --yes"), "Enter")
    m = t.wait_for(r"^([4-9]|1\d)/18 steps finished", "some steps finish")
    t.keys("C-c")
    t.wait_for(r"interrupted; continue with: flow resume", "Ctrl-C stops the run")
    before = [e for e in events(latest_run(work)) if e["event"] in ("done", "skip")]
    t.keys("clear", "Enter")
    t.keys(flow_cmd("resume last --yes"), "Enter")
    m = t.wait_for(r"resume run \S+: (\d+) steps? already finished", "the resume says so")
    finished = int(m.group(1))
    check(finished >= 3, f"the resume counts the steps finished before: {m.group(0)}")
    m = t.wait_for(r"^(\d+)/18 steps finished", "the header after the resume")
    check(int(m.group(1)) >= finished, f"the header counts them too: {m.group(0)} after "
                                       f"{finished} finished")
    check(re.search(r"requirements done", t.screen()), f"and the stages:\n{t.screen()}")
    t.wait_for(r"^run \S+: succeeded", "the resumed run succeeds", timeout=120)
    check(len(before) > 2, "the first process finished some steps")
    check_lines(t.scrollback(), 80, "after a resume")
    t.close()


def test_widths(work):
    for cols in (60, 200):
        t = Terminal(f"w{cols}", flow_cmd("run std/backend --input feature=x --sim-latency 60 --yes"),
                     work, cols=cols, rows=30)
        t.wait_for(r"^\[exit 0\]", f"the run at {cols} columns", timeout=120)
        text = t.scrollback()
        check_lines(text[:text.rindex("[exit 0]")], cols, f"{cols} columns")
        t.close()
    # A window made narrower while the view is drawn: what it drew before reflows, and the next
    # redraws erase exactly that.
    t = Terminal("resize", flow_cmd("run std/backend --input feature=x --sim-latency 200 --yes"),
                 work, cols=100, rows=30)
    t.wait_for(r"steps finished", "the view is drawn")
    time.sleep(1)
    t.resize(60, 30)
    t.wait_for(r"^\[exit 0\]", "the run after a resize", timeout=120)
    text = t.scrollback()
    stale = [l for l in text.splitlines() if FRAME.search(l)]
    check(not stale, f"no stale lines after a resize: {stale[:3]}")
    t.close()


def main():
    with tempfile.TemporaryDirectory() as work:
        shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "..", "examples"),
                        os.path.join(work, "examples"))
        try:
            test_standard_pipeline_asks_and_fits(work)
            test_answer_from_another_shell(work)
            test_resume_counts(work)
            test_widths(work)
        finally:
            tmux("kill-server", check_rc=False)
    return report()


if __name__ == "__main__":
    sys.exit(main())

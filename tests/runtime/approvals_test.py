#!/usr/bin/env python3
"""Approvals without a terminal: `flow run` started in a new session (no controlling terminal,
stdin not a terminal) waits by default; `flow approve` / `flow reject` from a second process
answer it; `--approvals stop` (or approvals.mode: stop) makes it stop instead. Also: two racing answers, `kill -9` while waiting then resume, the notify
hook's environment, and a hostile question that stays inert.

Usage: approvals_test.py /path/to/flow"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowtest import check, failures, node, write_ir  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])


def flow(*args, cwd):
    return subprocess.run([FLOW, *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def start(*args, cwd):
    """`flow` with no terminal at all: a new session, so /dev/tty cannot be opened."""
    out = open(os.path.join(cwd, "run.out"), "w")
    return subprocess.Popen([FLOW, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def the_run(cwd):
    root = os.path.join(cwd, ".flow", "runs")
    for _ in range(200):
        runs = os.listdir(root) if os.path.isdir(root) else []
        if runs:
            return runs[0]
        time.sleep(0.05)
    raise AssertionError("no run directory appeared")


def wait_request(cwd, run, file_name, timeout=20):
    path = os.path.join(cwd, ".flow", "runs", run, "approvals", file_name + ".request")
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            with open(path) as f:
                try:
                    return json.load(f)
                except ValueError:
                    pass
        time.sleep(0.05)
    return None


def events(cwd, run):
    with open(os.path.join(cwd, ".flow", "runs", run, "events.jsonl")) as f:
        return [json.loads(line) for line in f]


def finished(p, timeout=20):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def output(cwd):
    with open(os.path.join(cwd, "run.out")) as f:
        return f.read()


def human_flow(work, question="Ship it?"):
    return write_ir(os.path.join(work, "human.json"),
                    [node(0, "ship", "human", [], question=question),
                     node(1, "after", "command", [0], command="echo after")], agents=())


def test_approve(work):
    ir = human_flow(work)
    p = start("run", ir, cwd=work)  # waiting is the default
    run = the_run(work)
    req = wait_request(work, run, "ship")
    check(req is not None and req["question"] == "Ship it?", f"the run waits with a request: {req}")
    check(p.poll() is None, "the run is still running while it waits")
    r = flow("runs", cwd=work)
    check("waiting: approval of ship" in r.stdout, f"flow runs shows what waits: {r.stdout}")
    r = flow("show", run, cwd=work)
    check("question: Ship it?" in r.stdout, f"flow show shows the question: {r.stdout}")
    r = flow("approve", run, "shp", cwd=work)
    check(r.returncode == 2 and "did you mean `ship`?" in r.stderr and "waiting: ship" in r.stderr,
          f"a step that does not wait: exit 2, did-you-mean, what waits: {r.returncode} {r.stderr}")
    r = flow("approve", "no-such-run", "ship", cwd=work)
    check(r.returncode == 2 and "no run no-such-run" in r.stderr, f"unknown run: {r.stderr}")
    r = flow("approve", run, "ship", "--comment", "looks good", cwd=work)
    check(r.returncode == 0 and "approved `ship`" in r.stdout,
          f"approve: {r.returncode} {r.stderr}")
    code = finished(p)
    check(code == 0, f"the run finishes after the approval: {code}\n{output(work)}")
    ev = events(work, run)
    waits = [e for e in ev if e["event"] == "approval_wait"]
    check(len(waits) == 1 and waits[0]["step"] == "ship" and waits[0]["question"] == "Ship it?",
          f"one approval_wait event: {waits}")
    ap = [e for e in ev if e["event"] == "approval"]
    check(len(ap) == 1 and ap[0]["approved"] is True and ap[0]["how"] == "flow approve"
          and ap[0].get("comment") == "looks good" and ap[0].get("who"),
          f"the approval is recorded with how, who and comment: {ap}")
    check(any(e["event"] == "done" and e.get("step") == "after" for e in ev), "the flow went on")
    r = flow("approve", run, "ship", cwd=work)
    check(r.returncode == 2 and "nothing in this run waits" in r.stderr,
          f"answering again after the run: exit 2: {r.stderr}")


def test_reject_sends_back(work):
    ir = write_ir(os.path.join(work, "gated.json"),
                  [node(0, "plan", "agent", [], agent="planner"),
                   node(1, "plan/gate", "gate", [0], target="plan", members=[0],
                        checks=[{"kind": "human", "question": "Is the plan good?", "loc": None}],
                        retries=2, on_exhausted="stop")], agents=("planner",))
    p = start("run", ir, "--approvals", "wait", cwd=work)
    run = the_run(work)
    check(wait_request(work, run, "plan%2Fgate") is not None, "the gate waits")
    r = flow("reject", run, "plan/gate", cwd=work)
    check(r.returncode != 0 and "--feedback" in r.stderr, f"reject needs --feedback: {r.stderr}")
    r = flow("reject", run, "plan/gate", "--feedback", "Split it into smaller steps", cwd=work)
    check(r.returncode == 0, f"reject: {r.stderr}")
    # The work is sent back: plan runs again with the feedback, and the gate asks again.
    prompt = os.path.join(work, ".flow", "runs", run, "steps", "plan.a2.prompt.md")
    end = time.time() + 20
    while time.time() < end and sum(e["event"] == "approval_wait" for e in events(work, run)) < 2:
        time.sleep(0.05)
    check(wait_request(work, run, "plan%2Fgate") is not None, "the gate asks again after rework")
    text = open(prompt).read() if os.path.exists(prompt) else ""
    check("Split it into smaller steps" in text,
          f"the feedback is in the rework prompt: {text[-400:]}")
    r = flow("approve", run, "plan/gate", cwd=work)
    check(r.returncode == 0, f"approve the rework: {r.stderr}")
    code = finished(p)
    check(code == 0, f"the run finishes: {code}\n{output(work)}")
    ev = events(work, run)
    check([e["approved"] for e in ev if e["event"] == "approval"] == [False, True],
          "a rejection then an approval are recorded")
    check(any(e["event"] == "retry" and e["feedback"] == "Split it into smaller steps" for e in ev),
          "the retry carries the feedback")


def test_else_ask(work):
    ir = write_ir(os.path.join(work, "ask.json"),
                  [node(0, "plan", "agent", [], agent="planner"),
                   node(1, "plan/gate", "gate", [0], target="plan", members=[0],
                        checks=[{"kind": "review", "agent": "critic", "loc": None}],
                        retries=0, on_exhausted="ask")])
    p = start("run", ir, "--approvals", "wait", "--sim-fail-review", "plan:5", cwd=work)
    run = the_run(work)
    req = wait_request(work, run, "plan%2Fgate")
    check(req is not None and req.get("kind") == "else ask"
          and "Accept the last attempt of `plan` anyway?" in req.get("question", ""),
          f"`else ask` waits: {req}")
    r = flow("approve", run, "plan/gate", cwd=work)
    check(r.returncode == 0, f"approve the `else ask`: {r.stderr}")
    check(finished(p) == 0, f"the run goes on: {output(work)}")
    ev = events(work, run)
    check(any(e["event"] == "gate_pass" and e["unapproved"] is True for e in ev),
          "the gate is accepted unapproved")


def test_race(work):
    ir = human_flow(work)
    for round_ in range(3):
        shutil.rmtree(os.path.join(work, ".flow"), ignore_errors=True)
        p = start("run", ir, "--approvals", "wait", cwd=work)
        run = the_run(work)
        check(wait_request(work, run, "ship") is not None, "waits before the race")
        go = threading.Barrier(2)
        results = [None, None]

        def answer(i):
            go.wait()
            args = ("approve", run, "ship") if i == 0 else ("reject", run, "ship", "--feedback", "no")
            results[i] = flow(*args, cwd=work)
        threads = [threading.Thread(target=answer, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wins = [r for r in results if r.returncode == 0]
        losers = [r for r in results if r.returncode != 0]
        check(len(wins) == 1 and len(losers) == 1,
              f"round {round_}: exactly one answer wins: {[(r.returncode, r.stderr) for r in results]}")
        if losers:
            check("already answered" in losers[0].stderr or "does not wait" in losers[0].stderr,
                  f"the loser is told why: {losers[0].stderr}")
        finished(p)
        ap = [e for e in events(work, run) if e["event"] == "approval"]
        winner_approved = results[0].returncode == 0
        check(len(ap) == 1 and ap[0]["approved"] == winner_approved,
              f"round {round_}: the run took the winning answer: {ap}")


def test_kill_then_resume(work):
    ir = human_flow(work)
    for answer_while_dead in (False, True):
        shutil.rmtree(os.path.join(work, ".flow"), ignore_errors=True)
        p = start("run", ir, "--approvals", "wait", cwd=work)
        run = the_run(work)
        check(wait_request(work, run, "ship") is not None, "waits before the kill")
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        r = flow("runs", cwd=work)
        check("crashed" in r.stdout and "waiting: approval of ship" in r.stdout,
              f"a killed waiting run shows as crashed and waiting: {r.stdout}")
        if answer_while_dead:
            r = flow("approve", run, "ship", "--comment", "while down", cwd=work)
            check(r.returncode == 0, f"an answer can be given while flow is down: {r.stderr}")
        p = start("resume", run, cwd=work)
        if not answer_while_dead:
            time.sleep(1.0)
            check(p.poll() is None, "the resumed run keeps waiting")
            check(wait_request(work, run, "ship") is not None, "for the same request")
            r = flow("approve", run, "ship", cwd=work)
            check(r.returncode == 0, f"approve the resumed run: {r.stderr}")
        code = finished(p)
        check(code == 0, f"resume finishes (answered while dead: {answer_while_dead}): {code}\n"
              f"{output(work)}")
        ap = [e for e in events(work, run) if e["event"] == "approval"]
        check(len(ap) == 1 and ap[0]["approved"] is True, f"one approval recorded: {ap}")
        if answer_while_dead:
            check(ap and ap[0].get("comment") == "while down", "the answer written meanwhile counts")


def test_notify(work):
    hostile = "Ship $(touch pwned1)? `touch pwned2`; touch pwned3 \"'"
    ir = human_flow(work, hostile)
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write("approvals:\n  mode: wait\n"
                "  notify: 'env | grep ^FLOW_ | sort > notified.txt'\n")
    p = start("run", ir, cwd=work)  # the mode comes from flow.yaml
    run = the_run(work)
    check(wait_request(work, run, "ship") is not None, "flow.yaml approvals.mode: wait waits")
    notified = os.path.join(work, "notified.txt")
    for _ in range(100):
        if os.path.exists(notified) and os.path.getsize(notified) > 0:
            break
        time.sleep(0.05)
    text = open(notified).read() if os.path.exists(notified) else ""
    check(f"FLOW_RUN_ID={run}\n" in text and "FLOW_STEP=ship\n" in text
          and f"FLOW_QUESTION={hostile}\n" in text, f"the hook gets the env vars: {text}")
    r = flow("approve", run, "ship", cwd=work)
    check(r.returncode == 0, f"approve: {r.stderr}")
    check(finished(p) == 0, f"the run finishes: {output(work)}")
    for name in ("pwned1", "pwned2", "pwned3"):
        check(not os.path.exists(os.path.join(work, name)), f"the question stayed inert ({name})")
    # A failing hook only warns: the run still waits and finishes.
    shutil.rmtree(os.path.join(work, ".flow"))
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write("approvals:\n  mode: wait\n  notify: 'exit 3'\n")
    p = start("run", ir, cwd=work)
    run = the_run(work)
    check(wait_request(work, run, "ship") is not None, "waits despite a failing hook")
    flow("approve", run, "ship", cwd=work)
    check(finished(p) == 0, f"the run finishes: {output(work)}")
    bad = [e for e in events(work, run) if e["event"] == "approval_notify"]
    check(len(bad) == 1 and bad[0]["ok"] is False and "exit 3" in bad[0]["error"],
          f"the hook's failure is recorded: {bad}")
    os.remove(os.path.join(work, "flow.yaml"))


def test_stop_mode(work):
    ir = human_flow(work)
    for how, args in (("--approvals stop", ["--approvals", "stop"]), ("approvals.mode: stop", [])):
        if not args:
            with open(os.path.join(work, "flow.yaml"), "w") as f:
                f.write("approvals:\n  mode: stop\n")
        p = start("run", ir, *args, cwd=work)
        code = finished(p)
        text = output(work)
        check(code == 1 and "needs a human approval (\"Ship it?\") but stdin is not a terminal"
              in text, f"{how}: the run stops at the question with exit 1: {code} {text}")
        run = sorted(os.listdir(os.path.join(work, ".flow", "runs")))[-1]
        with open(os.path.join(work, ".flow", "runs", run, "run.json")) as f:
            mode = json.load(f)["options"]["approvals"]
        check(mode == "stop", f"{how}: run.json records the mode for resume: {mode}")
        check(not any(e["event"] == "approval_wait" for e in events(work, run)),
              f"{how}: nothing waited")
    os.remove(os.path.join(work, "flow.yaml"))


def main():
    for test in (test_approve, test_stop_mode, test_reject_sends_back, test_else_ask, test_race, test_kill_then_resume,
                 test_notify):
        work = tempfile.mkdtemp(prefix="flow-approvals-")
        try:
            test(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("approvals: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""End-to-end checks of the `flow` command line on hand-written IR: exit codes, error text
(byte for byte where a user reads it), sim options, --json, --dry-run, runs/show/resume,
human approvals without a terminal, and the command backend with a config file.

usage: cli_test.py PATH/TO/flow
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from flowtest import check, failures, node, write_ir

FLOW = os.path.abspath(sys.argv[1])


def flow(*args, cwd, stdin=subprocess.DEVNULL):
    return subprocess.run([FLOW, *args], cwd=cwd, stdin=stdin, capture_output=True, text=True)


def events_of(cwd):
    root = os.path.join(cwd, ".flow", "runs")

    def started(r):
        with open(os.path.join(root, r, "run.json"), encoding="utf-8") as f:
            return json.load(f)["started"]
    run = max(os.listdir(root), key=started)
    with open(os.path.join(root, run, "events.jsonl"), encoding="utf-8") as f:
        return run, [json.loads(line) for line in f]


def run_table(stdout):
    """The summary table `flow run` or `flow resume` prints at the end, before its last line."""
    body = stdout.rsplit("\n", 2)[0] + "\n"
    return body[body.rindex("\nstep ") + 1:]


def show_table(cwd, run):
    """The summary table `flow show` prints, which it builds from events.jsonl."""
    r = flow("show", run, cwd=cwd)
    return r.stdout.split("\n\n", 1)[1].split("\nevents (", 1)[0]


def main():
    work = tempfile.mkdtemp(prefix="flow-cli-")
    try:
        gated = [node(0, "plan", "agent", [], agent="planner"),
                 node(1, "plan/gate", "gate", [0], target="plan", members=[0],
                      checks=[{"kind": "review", "agent": "critic", "loc": None}], retries=1,
                      on_exhausted="stop"),
                 node(2, "build", "command", [1], command="echo built")]
        feature = [{"name": "feature", "type": "text", "description": "What to build", "loc": None}]
        ir = write_ir(os.path.join(work, "demo.json"), gated, feature)

        # A missing required input: exit 2 and says how to pass it.
        r = flow("run", ir, cwd=work)
        check(r.returncode == 2, "missing input exits 2")
        check(r.stderr == "flow: missing required input `feature` (text: What to build); pass it "
              "with --input feature=VALUE or --input feature=@FILE\n", f"missing input text: {r.stderr!r}")
        r = flow("run", ir, "--input", "colour=red", cwd=work)
        check(r.returncode == 2 and r.stderr == "flow: unknown input `colour`; this flow takes: feature\n",
              f"unknown input: {r.stderr!r}")

        # Bad IR: exit 2 with the place that is wrong.
        bad = os.path.join(work, "bad.json")
        with open(bad, "w") as f:
            f.write('{"version": 3, "name": "x", "nodes": [{"id": 0}]}')
        r = flow("run", bad, cwd=work)
        check(r.returncode == 2, "bad IR exits 2")
        check(r.stderr == f"flow: {bad}: not a usable IR file: /nodes/0: missing field \"name\"\n",
              f"bad IR text: {r.stderr!r}")
        r = flow("run", os.path.join(work, "nope.json"), cwd=work)
        check(r.returncode == 2 and "cannot read" in r.stderr, "missing file exits 2")
        r = flow("run", "--input", "feature=x", "--sim-fail-step", "plan", ir, "--dry-run", cwd=work)
        check(r.returncode == 0, f"options before the file take one value each: {r.stderr}")
        r = flow("run", ir, "--frobnicate", cwd=work)
        check(r.returncode == 2, "unknown option exits 2")

        # Dry run: plan, gates, worst case; nothing is stored.
        r = flow("run", ir, "-i", "feature=login", "--dry-run", cwd=work)
        check(r.returncode == 0, "dry run exits 0")
        check("    1. plan\n    2. plan/gate\n    3. build (run)\n" in r.stdout, f"dry run order: {r.stdout}")
        check("  plan/gate on plan: review by critic; retries 1, else stop; guards 1 step\n" in r.stdout,
              f"dry run gates, one step in the singular: {r.stdout}")
        check(r.stdout.startswith("flow demo: 2 steps, 1 gate (dry run"), f"dry run counts: {r.stdout}")
        check("Worst-case agent calls: 4\n" in r.stdout, "dry run worst case (2 plans + 2 reviews)")
        check(not os.path.exists(os.path.join(work, ".flow")), "dry run stores nothing")

        # A clean sim run: banner says simulated; exit 0; events complete.
        r = flow("run", ir, "-i", "feature=login", cwd=work)
        check(r.returncode == 0, f"sim run exits 0: {r.stderr}")
        check("agents are SIMULATED" in r.stdout, "banner says simulated")
        run, ev = events_of(work)
        kinds = [e["event"] for e in ev]
        check(kinds[0] == "run_start" and ev[0]["simulated"] is True, "run_start first, simulated")
        check(kinds[-1] == "run_end" and ev[-1]["status"] == "succeeded", "run_end succeeded")
        out = [e for e in ev if e["event"] == "attempt" and e["step"] == "plan"][0]["output"]
        with open(os.path.join(work, ".flow", "runs", run, out)) as f:
            check(f.read().startswith("(simulated agent)\n"), "sim output marked")
        # `flow show --json` counts every call, also when the backend reports no usage.
        r = flow("show", "--json", run, cwd=work)
        calls = [e for e in ev if e["event"] == "attempt" and e["kind"] in ("agent", "review")]
        total = json.loads(r.stdout)["total"] if r.returncode == 0 else {}
        check(len(calls) == 2 and total.get("calls") == 2 and total.get("calls_with_usage") == 0,
              f"show --json totals: {total} for {len(calls)} calls")
        r = flow("--version", cwd=work)
        check(re.fullmatch(r"flow \d+\.\d+\.\d+\n", r.stdout), f"flow --version: {r.stdout!r}")
        r = flow("resume", run, cwd=work)
        check(r.returncode == 2 and r.stderr == f"flow: run {run} already succeeded; nothing to resume\n",
              f"resume of a finished run: {r.stderr!r}")

        # Review fails past the retry bound: exit 1 and a report naming gate, step, feedback.
        r = flow("run", ir, "-i", "feature=login", "--sim-fail-review", "plan:5", cwd=work)
        check(r.returncode == 1, "exhausted gate exits 1")
        check("error: gate `plan/gate` rejected `plan` 2 times (retries 1, else stop)\n"
              "  last feedback: (simulated agent)" in r.stdout, f"exhausted report: {r.stdout}")
        run, ev = events_of(work)
        check(run_table(r.stdout) == show_table(work, run) and " failed " in run_table(r.stdout),
              f"the exhausted run's summary is flow show's: {r.stdout!r}")
        check([e["event"] for e in ev].count("retry") == 1, "one retry event")
        check(not any(e["event"] == "dispatch" and e["step"] == "build" for e in ev),
              "nothing after the failed gate ran")
        # ... and passes after one failure, with the feedback in the second prompt.
        r = flow("run", ir, "-i", "feature=login", "--sim-fail-review", "plan", cwd=work)
        check(r.returncode == 0, "one failed review then pass")
        run, ev = events_of(work)
        with open(os.path.join(work, ".flow", "runs", run, "steps", "plan.a2.prompt.md")) as f:
            check("# Feedback from review" in f.read(), "feedback reaches the rework prompt")

        # A failing step: exit 1; resume retries it (and fails again the same way).
        r = flow("run", ir, "-i", "feature=login", "--sim-fail-step", "plan", cwd=work)
        check(r.returncode == 1, "failed step exits 1")
        check("error: step `plan` failed on attempt 1: simulated failure of step plan "
              "(--sim-fail-step)\n" in r.stdout, f"failed step report: {r.stdout}")
        # The summary at the end is kept as the events happen; it is what events.jsonl says,
        # also after a resume, whose earlier events come from the file.
        failed, _ = events_of(work)
        check(run_table(r.stdout) == show_table(work, failed) and " failed " in run_table(r.stdout),
              f"the run's summary is flow show's: {r.stdout!r} {show_table(work, failed)!r}")
        # A resume that does not run `plan` again still lists it, from the earlier process.
        broken = write_ir(os.path.join(work, "broken.json"),
                          [node(0, "plan", "agent", [], agent="planner"),
                           node(1, "build", "command", [0], command="exit 3")])
        r = flow("run", broken, cwd=work)
        failed, _ = events_of(work)
        r = flow("resume", failed, cwd=work)
        check(r.returncode == 1 and run_table(r.stdout) == show_table(work, failed)
              and "\nplan " in run_table(r.stdout),
              f"the resumed run's summary is flow show's: {r.stdout!r} {show_table(work, failed)!r}")

        # --json: every stdout line is an event.
        r = flow("run", ir, "-i", "feature=login", "--json", cwd=work)
        lines = r.stdout.splitlines()
        check(r.returncode == 0 and all(json.loads(l).get("event") for l in lines),
              "--json prints only events")
        check(json.loads(lines[0])["event"] == "run_start", "--json starts with run_start")

        # runs and show.
        r = flow("runs", cwd=work)
        check(r.returncode == 0 and r.stdout.count("demo") == 6, f"runs lists 6 runs: {r.stdout}")
        check(" failed " in r.stdout and " succeeded " in r.stdout, "runs shows statuses")
        r = flow("show", run, cwd=work)
        check(r.returncode == 0 and "plan/gate" in r.stdout and "run_start" not in r.stdout
              and "run succeeded" in r.stdout, "show prints table and events")
        r = flow("show", "no-such-run", cwd=work)
        check(r.returncode == 2, "show of an unknown run exits 2")

        # Human approval without a terminal and `--approvals stop`: refuses unless --yes.
        human = write_ir(os.path.join(work, "human.json"),
                         [node(0, "approve", "human", [], question="Ship it?")], agents=())
        r = flow("run", human, "--approvals", "stop", cwd=work)
        check(r.returncode == 1, "approval without a terminal exits 1")
        check("needs a human approval (\"Ship it?\") but stdin is not a terminal; run it from a "
              "terminal, or pass --yes to approve automatically" in r.stdout, f"approval text: {r.stdout}")
        r = flow("run", human, "--yes", cwd=work)
        check(r.returncode == 0, "--yes approves")
        _, ev = events_of(work)
        check(any(e["event"] == "approval" and e["how"] == "--yes" for e in ev), "approval recorded")

        # The command backend from a config file: env vars, stdin, and a non-zero exit.
        conf = os.path.join(work, "flow.yaml")
        with open(conf, "w") as f:
            f.write("default_backend: echo\nbackends:\n  echo:\n    shell: |\n"
                    "      if [ \"$FLOW_REVIEW\" = 1 ]; then echo 'VERDICT: PASS'; exit 0; fi\n"
                    "      echo \"$FLOW_NAME/$FLOW_STEP/$FLOW_AGENT/$FLOW_MODEL/$FLOW_ATTEMPT\"\n"
                    "      head -1\n")
        r = flow("run", ir, "-i", "feature=login", cwd=work)
        check(r.returncode == 0 and "agents are SIMULATED" not in r.stdout, f"command backend run: {r.stderr}")
        run, ev = events_of(work)
        with open(os.path.join(work, ".flow", "runs", run, "steps", "plan.a1.output.md")) as f:
            check(f.read() == "demo/plan/planner/sonnet/1\nYou are the planner.\n", "command backend output")
        # `flow show RUN STEP`: one step's answer, of this run only, made safe for the terminal.
        r = flow("show", run, "plan", cwd=work)
        check(r.returncode == 0 and r.stdout == "demo/plan/planner/sonnet/1\nYou are the planner.\n",
              f"show RUN STEP prints the step's output: {r.stdout!r} {r.stderr!r}")
        r = flow("show", run, "nosuch", cwd=work)
        check(r.returncode == 2 and r.stderr.startswith(f"flow: run {run} has no step `nosuch`; "
                                                        "its steps: ") and "plan" in r.stderr,
              f"show of an unknown step: {r.stderr!r}")
        with open(conf, "w") as f:
            f.write("default_backend: echo\nbackends:\n  echo:\n    shell: |\n"
                    "      if [ \"$FLOW_REVIEW\" = 1 ]; then echo 'VERDICT: PASS'; exit 0; fi\n"
                    "      printf '\\033]0;owned\\007safe\\033[2J\\r\\n'\n")
        r = flow("run", ir, "-i", "feature=login", cwd=work)
        run, _ = events_of(work)
        r = flow("show", run, "plan", cwd=work)
        check(r.returncode == 0 and r.stdout == "safe\n", f"show RUN STEP strips escapes: {r.stdout!r}")
        r = flow("show", "last", "plan", cwd=work)
        check(r.returncode == 0 and r.stdout == "safe\n", f"show last STEP is the latest run: {r.stdout!r}")
        empty = os.path.join(work, "empty")
        os.mkdir(empty)
        r = flow("show", "last", cwd=empty)
        check(r.returncode == 2 and r.stderr == "flow: no runs under .flow/runs yet; start one with "
              "`flow run FILE`\n", f"show last without runs: {r.stderr!r}")
        with open(conf, "w") as f:
            f.write("backends:\n  b: {}\n")
        r = flow("run", ir, "-i", "feature=login", cwd=work)
        check(r.returncode == 2 and r.stderr == "flow: flow.yaml:2:3: backend `b` needs "
              "`command: [program, args...]` or `shell: \"...\"` (built-in names: claude, codex, llm, ollama)\n",
              f"bad config: {r.stderr!r}")
        os.remove(conf)
        r = flow("run", ir, "-i", "feature=login", "--backend", "nosuch", cwd=work)
        check(r.returncode == 2 and "unknown backend `nosuch`" in r.stderr, "unknown backend exits 2")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all CLI checks passed")


if __name__ == "__main__":
    main()

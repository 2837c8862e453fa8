#!/usr/bin/env python3
"""`when` conditions and the environment of commands, end to end (docs/language.md,
"Conditions" and "Commands: inputs and outputs in the environment").

* Hostile input values (`"; rm -rf ~; "`, newlines, `$(...)`, backticks, control bytes) reach
  a `run` step and a `check` gate byte for byte through FLOW_INPUT_*, and run nothing: a
  scratch HOME keeps its sentinel file, and no file appears where the payloads would create
  one.
* Earlier outputs arrive as files named by FLOW_OUTPUT_*; lists as JSON, bools and numbers
  as text.
* `when` on inputs (`not`, `==`, `!=`) and on a step's outcome (`passed`, `passed cleanly`),
  with the skip reasons recorded, a gate accepted unapproved, and --dry-run output.

Usage: conditions_test.py FLOW
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stdlib"))
from flowtest import Run, expect, finish, main_guard, run  # noqa: E402


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def env_dump_flow(work):
    # Each command prints its variables with printf '%s' between markers, so the exact
    # bytes can be compared; the check gate writes what it saw into a file.
    return write(os.path.join(work, "env.flow"), r'''
input feature: text "Hostile on purpose"
input areas: list = ["auth", "storage"]
input deep: bool = true
input max-files: number = 20
stage first run "printf 'first output\n'" as first-step
stage second run "printf '<%s>' \"$FLOW_INPUT_FEATURE\"; printf '[%s]' \"$FLOW_INPUT_AREAS\" \"$FLOW_INPUT_DEEP\" \"$FLOW_INPUT_MAX_FILES\"; cat \"$FLOW_OUTPUT_FIRST_STEP\"; printf '%s\n' \"$FLOW_STEP\"" as second
  check "printf '%s' \"$FLOW_INPUT_FEATURE\" > gate-saw.txt; test -r \"$FLOW_OUTPUT_SECOND\""
''')


HOSTILE = [
    '"; rm -rf ~; "',
    "'; touch PWNED; '",
    "$(touch PWNED)",
    "`touch PWNED`",
    "a\nb\n; touch PWNED\n",
    "x\x01\x07\x1b[31m\x7fy",
    "$HOME ${HOME} \\ \\\\ * ? [a] ~ & | ; < >",
]


def hostile_inputs(flow, work):
    path = env_dump_flow(work)
    for value in HOSTILE:
        home = tempfile.mkdtemp(prefix="flowtest-home-")
        sentinel = write(os.path.join(home, "sentinel"), "keep me")
        cwd = tempfile.mkdtemp(prefix="flowtest-cwd-")
        r = Run(flow, path, ["--input", f"feature={value}"], cwd=cwd,
                env={"HOME": home}, timeout=120)
        if not expect(r.code == 0, f"hostile input {value!r}: run failed\n{r.describe()}"):
            continue
        outs = [e for e in r.of("attempt", kind="command", step="second") if e.get("ok")]
        if expect(outs, f"{value!r}: no output of `second`"):
            text = r.read(outs[0]["output"])
            want = f"<{value}>[[\"auth\",\"storage\"]][true][20]first output\nsecond\n"
            expect(text == want, f"{value!r}: the command saw\n{text!r}\nnot\n{want!r}")
        saw = os.path.join(cwd, "gate-saw.txt")
        if expect(os.path.exists(saw), f"{value!r}: the check gate did not run"):
            with open(saw, encoding="utf-8", newline="") as f:
                got = f.read()
            expect(got == value, f"{value!r}: the check saw {got!r}")
        expect(os.path.exists(sentinel), f"{value!r}: the sentinel in HOME was removed")
        expect(sorted(os.listdir(home)) == ["sentinel"], f"{value!r}: HOME changed: {os.listdir(home)}")
        for d in (cwd, home, work):
            expect(not os.path.exists(os.path.join(d, "PWNED")), f"{value!r}: PWNED created in {d}")


def empty_output_is_dev_null(flow, work):
    path = write(os.path.join(work, "empty.flow"), r'''
stage quiet run "true" as quiet
stage read run "printf '%s|' \"$FLOW_OUTPUT_QUIET\"; wc -c < \"$FLOW_OUTPUT_QUIET\"" as read
''')
    r = Run(flow, path, [])
    outs = [e for e in r.of("attempt", kind="command", step="read") if e.get("ok")]
    if expect(r.code == 0 and outs, f"empty output run\n{r.describe()}"):
        text = r.read(outs[0]["output"]).replace(" ", "")
        expect(text == "/dev/null|0\n", f"an empty output reads as {text!r}")


CONDITIONS = r'''
input mode: text = "careful"
input strict: bool = false
stage validate run "true" as validate check "test \"$FLOW_INPUT_STRICT\" = false" retries 1 else continue
stage release when validate passed cleanly run "echo release" as release
stage explain when not validate passed cleanly run "echo explain" as explain
stage anyway when validate passed run "echo anyway" as anyway
stage fast when mode == "fast" run "echo fast" as fast
stage careful when mode != "fast" run "echo careful" as careful
stage lenient when not strict run "echo lenient" as lenient
'''


def ran(r):
    return sorted({e["step"] for e in r.of("attempt", kind="command") if e.get("ok")})


def skipped(r):
    return {e["step"]: e["reason"] for e in r.of("skip")}


def conditions(flow, work):
    path = write(os.path.join(work, "cond.flow"), CONDITIONS)
    r = Run(flow, path, [])
    if expect(r.code == 0, f"conditions, defaults\n{r.describe()}"):
        expect(ran(r) == ["anyway", "careful", "lenient", "release", "validate"], f"ran {ran(r)}")
        expect(skipped(r) == {"explain": "`validate` passed cleanly",
                              "fast": '`mode == "fast"` does not hold'},
               f"skips {skipped(r)}")
    r = Run(flow, path, ["--input", "strict=true", "--input", "mode=fast"])
    if expect(r.code == 0, f"conditions, strict\n{r.describe()}"):
        expect(r.of("gate_pass", unapproved=True), "the gate was not accepted unapproved")
        expect(ran(r) == ["anyway", "explain", "fast", "validate"], f"strict ran {ran(r)}")
        expect(skipped(r) == {
            "release": "`validate` did not pass cleanly (a gate accepted it unapproved)",
            "careful": '`mode != "fast"` does not hold',
            "lenient": "input `strict` is true"}, f"strict skips {skipped(r)}")
    # A step skipped by an input: `passed` does not hold for it.
    path = write(os.path.join(work, "skipped.flow"), r'''
input deep: bool = false
stage probe when deep run "echo probe" as probe
stage after-probe when probe passed run "echo yes" as yes
stage otherwise when not probe passed run "echo no" as no
''')
    r = Run(flow, path, [])
    if expect(r.code == 0, f"skipped upstream\n{r.describe()}"):
        expect(ran(r) == ["no"], f"skipped upstream ran {ran(r)}")
        expect(skipped(r).get("yes") == "`probe` did not pass (it was skipped)", f"{skipped(r)}")


def resume_keeps_unapproved(flow, work):
    """A gate accepted unapproved before an interruption still counts on `flow resume`."""
    cwd = tempfile.mkdtemp(prefix="flowtest-resume-")
    path = write(os.path.join(cwd, "resume.flow"), r'''
stage validate run "true" as validate check "false" retries 0 else continue
stage gatekeeper run "test -e go" as gatekeeper
stage explain when not validate passed cleanly run "echo explain" as explain
stage release when validate passed cleanly run "echo release" as release
''')
    code, out, err = run([flow, "run", path], cwd=cwd)
    expect(code == 1, f"the first run should fail at gatekeeper: exit {code}\n{out}{err}")
    runs = os.path.join(cwd, ".flow", "runs")
    ids = sorted(os.listdir(runs)) if os.path.isdir(runs) else []
    if not expect(len(ids) == 1, f"runs: {ids}"):
        return
    write(os.path.join(cwd, "go"), "")
    code, out, err = run([flow, "resume", ids[0]], cwd=cwd)
    if not expect(code == 0, f"resume: exit {code}\n{out}{err}"):
        return
    with open(os.path.join(runs, ids[0], "events.jsonl"), encoding="utf-8") as f:
        events = [json.loads(line) for line in f if line.strip()]
    done = [e["step"] for e in events if e.get("event") == "done"]
    skips = {e["step"]: e["reason"] for e in events if e.get("event") == "skip"}
    expect("explain" in done and "release" not in done, f"after resume: done {done}")
    expect(skips.get("release") == "`validate` did not pass cleanly (a gate accepted it unapproved)",
           f"after resume: skips {skips}")


def dry_run(flow, work):
    path = write(os.path.join(work, "cond.flow"), CONDITIONS)
    code, out, err = run([flow, "run", path, "--dry-run", "--input", "mode=fast"])
    if expect(code == 0, f"dry run: exit {code}\n{out}{err}"):
        expect("release (run) (when validate passed cleanly)" in out, f"dry run:\n{out}")
        expect("explain (run) (when not validate passed cleanly)" in out, f"dry run:\n{out}")
        expect("careful (run) (skipped)" in out, f"dry run:\n{out}")
        expect('fast (run) (when mode == "fast")' in out, f"dry run:\n{out}")


def main():
    flow = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="flowtest-cond-")
    hostile_inputs(flow, work)
    empty_output_is_dev_null(flow, work)
    conditions(flow, work)
    resume_keeps_unapproved(flow, work)
    dry_run(flow, work)
    return finish("conditions_test")


if __name__ == "__main__":
    main_guard(main)

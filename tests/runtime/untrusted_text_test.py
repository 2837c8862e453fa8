#!/usr/bin/env python3
"""End to end: what `flow` accepts and what it prints when text is hostile or malformed.

* inputs that are not UTF-8 are refused before a run directory exists;
* agents and commands that print latin-1 bytes and terminal escape sequences (retitle, clear
  screen, colours) neither crash flow nor lose the run, and nothing they print reaches the
  terminal as a control sequence: plain output, the live view (through a real pty), the summary,
  the failure report and `flow show`; `--json` output stays valid JSON;
* decorated verdicts (`**VERDICT: PASS**`) are understood;
* inconsistent IR, malformed numbers and lists, and unknown --sim-fail-* steps are refused
  with exit 2 and a message naming the problem;
* a damaged run.json does not make `flow show` abort.

usage: untrusted_text_test.py PATH/TO/flow
"""
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

from flowtest import check, failures, node, write_ir

FLOW = os.path.abspath(sys.argv[1])

# What a hostile agent prints: latin-1 "é", an OSC retitle, a clear screen, colours, a CR.
HOSTILE = r"caf\351 \033]0;pwned\007\033[2J\033[31mred\033[0m \302\233 \342\200\256rlo\r"


def flow(*args, cwd):
    """Runs flow with stdout and stderr as bytes (no decoding: the bytes are what is checked)."""
    return subprocess.run([FLOW, *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=60)


def flow_on_pty(*args, cwd):
    """Runs flow with stdout and stderr on a pseudo-terminal (the live view); returns
    (exit code, every byte written to the terminal)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([FLOW, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(timeout=60), out


def latest_run(cwd):
    root = os.path.join(cwd, ".flow", "runs")
    runs = sorted(os.listdir(root), key=lambda r: os.path.getmtime(os.path.join(root, r)))
    return os.path.join(root, runs[-1])


def check_run_intact(run_dir, status, what):
    """run.json says `status`; every event line is strict UTF-8 JSON."""
    with open(os.path.join(run_dir, "run.json"), "rb") as f:
        meta = json.loads(f.read().decode("utf-8"))
    check(meta["status"] == status, f"{what}: run.json status {meta['status']!r}, want {status!r}")
    events = []
    with open(os.path.join(run_dir, "events.jsonl"), "rb") as f:
        for line in f:
            events.append(json.loads(line.decode("utf-8")))  # strict: raises on bad bytes
    return events


def no_control(data, what):
    """No ESC, BEL, CR, C1 or bidi override in bytes meant for a terminal."""
    for bad, name in [(b"\x1b", "ESC"), (b"\x07", "BEL"), (b"\r", "CR"), (b"\xc2\x9b", "C1 CSI"),
                      (b"\xe2\x80\xae", "RLO")]:
        check(bad not in data, f"{what}: {name} reaches the terminal: {data[:400]!r}")


def test_inputs(work):
    ir = write_ir(os.path.join(work, "in.json"),
                  [node(0, "plan", "agent", [], agent="planner")],
                  [{"name": "feature", "type": "text", "loc": None},
                   {"name": "n", "type": "number", "default": 1, "loc": None},
                   {"name": "domains", "type": "list", "default": [], "loc": None}])
    with open(os.path.join(work, "latin1.txt"), "wb") as f:
        f.write("café au lait\n".encode("latin-1"))
    r = flow("run", ir, "--input", "feature=@latin1.txt", cwd=work)
    check(r.returncode == 2, f"latin-1 input exits 2, got {r.returncode}: {r.stderr!r}")
    check(r.stderr == b"flow: input `feature` (from latin1.txt) is not UTF-8 text: byte 0xE9 at "
          b"byte offset 3 is not valid UTF-8; convert it to UTF-8 first, e.g. iconv -f LATIN1 -t "
          b"UTF-8 latin1.txt > feature.utf8.txt\n", f"latin-1 input message: {r.stderr!r}")
    check(not os.path.exists(os.path.join(work, ".flow")), "latin-1 input creates no run directory")
    # The suggested fix works.
    subprocess.run("iconv -f LATIN1 -t UTF-8 latin1.txt > feature.utf8.txt", shell=True,
                   cwd=work, check=True)
    r = flow("run", ir, "--input", "feature=@feature.utf8.txt", cwd=work)
    check(r.returncode == 0, f"converted input runs: {r.stderr!r}")

    for value, msg in [
        ("n=0x10", b"flow: input `n` is a number: \"0x10\" is not one; write a finite decimal "
                   b"number such as 42, -3.5 or 1e6\n"),
        ("n=nan", b"flow: input `n` is a number: \"nan\" is not one; write a finite decimal "
                  b"number such as 42, -3.5 or 1e6\n"),
        ("n=inf", b"flow: input `n` is a number: \"inf\" is not one; write a finite decimal "
                  b"number such as 42, -3.5 or 1e6\n"),
        ("domains=[a", b"flow: input `domains` is a list: \"[a\" starts with `[` but is not a "
                       b"JSON array of strings; write it as '[\"a\",\"b\"]' or as comma-separated "
                       b"items: a,b\n")]:
        r = flow("run", ir, "-i", "feature=x", "-i", value, "--run-dir", "bad-runs", cwd=work)
        check(r.returncode == 2 and r.stderr == msg, f"{value}: {r.returncode} {r.stderr!r}")
        check(not os.path.exists(os.path.join(work, "bad-runs")), f"{value}: no run directory")


def test_non_utf8_file_name(work):
    """run.json records the file name as JSON: a latin-1 name is refused up front, not found
    out after the run directory was made."""
    ir = write_ir(os.path.join(work, "x.json"), [node(0, "plan", "agent", [], agent="planner")])
    latin = os.path.join(os.fsencode(work), b"caf\xe9.json")
    os.rename(ir, latin)
    r = subprocess.run([FLOW, "run", latin], cwd=work, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)
    check(r.returncode == 2 and r.stderr == b"flow: the file name \"" + os.fsencode(work) +
          b"/caf\xef\xbf\xbd.json\" is not UTF-8; rename the file (e.g. with convmv or mv) to "
          b"run it\n", f"latin-1 file name: {r.returncode} {r.stderr!r}")
    check(not os.path.exists(os.path.join(work, ".flow")), "latin-1 file name: no run directory")


def test_hostile_command(work):
    """A command step prints hostile bytes and fails: the failure is recorded and reported,
    and no control sequence reaches the terminal."""
    ir = write_ir(os.path.join(work, "cmd.json"),
                  [node(0, "plan", "agent", [], agent="planner"),
                   node(1, "build", "command", [0], command=f"printf '{HOSTILE}\\n'; exit 3")])
    r = flow("run", ir, cwd=work)
    check(r.returncode == 1, f"failing hostile command exits 1: {r.returncode} {r.stderr!r}")
    no_control(r.stdout + r.stderr, "plain run")
    check(b"FAILED build" in r.stdout and "caf\ufffd".encode() in r.stdout,
          f"plain run reports the failure: {r.stdout!r}")
    check(b"error: step `build` failed on attempt 1" in r.stdout, "failure report printed")
    run_dir = latest_run(work)
    events = check_run_intact(run_dir, "failed", "hostile command")
    fails = [e for e in events if e["event"] == "fail"]
    check(len(fails) == 1 and "caf\ufffd" in fails[0]["error"], f"fail event: {fails}")
    with open(os.path.join(run_dir, "steps", "build.a1.output.md"), "rb") as f:
        check(b"caf\xe9" in f.read(), "the step's output file keeps the raw bytes")

    r = flow("show", os.path.basename(run_dir), cwd=work)
    check(r.returncode == 0, f"flow show: {r.returncode} {r.stderr!r}")
    no_control(r.stdout + r.stderr, "flow show")
    check(b"FAILED build" in r.stdout, "flow show lists the failure")

    r = flow("run", ir, "--json", cwd=work)
    check(r.returncode == 1, "--json run exits 1")
    no_control(r.stdout + r.stderr, "--json run")
    check(all(b < 0x80 for b in r.stdout), "--json output is ASCII (non-ASCII as \\u escapes)")
    lines = r.stdout.decode("utf-8").splitlines()
    check(all(json.loads(line) for line in lines) and len(lines) > 3, "--json lines are JSON")
    fails = [json.loads(line) for line in lines if json.loads(line)["event"] == "fail"]
    check(len(fails) == 1 and "caf\ufffd" in fails[0]["error"] and "\x1b" in fails[0]["error"],
          f"--json keeps the text, escaped: {fails}")


BACKEND = f"""default_backend: hostile
backends:
  hostile:
    shell: |
      cat > /dev/null
      if [ "$FLOW_REVIEW" = 1 ]; then
        if [ "$FLOW_ATTEMPT" = 1 ]; then printf 'Needs w\\351rk {HOSTILE}\\n> **VERDICT: FAIL**\\n'
        else printf 'Fine now.\\n\\n**VERDICT: PASS**\\n'; fi
      else
        printf '{HOSTILE}\\n' >&2
        printf 'plan by \\351 {HOSTILE}\\n'
      fi
"""


def gated_ir(work):
    return write_ir(os.path.join(work, "gated.json"),
                    [node(0, "plan", "agent", [], agent="planner"),
                     node(1, "plan/gate", "gate", [0], target="plan", members=[0],
                          checks=[{"kind": "review", "agent": "critic", "loc": None}],
                          retries=2, on_exhausted="stop"),
                     node(2, "build", "command", [1], command="echo built")])


def test_hostile_agent(work):
    """Agents (a command backend) print latin-1 and escapes, the reviewer bolds and quotes its
    verdict: the run succeeds after one send-back, intact, and the terminal stays clean."""
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write(BACKEND)
    ir = gated_ir(work)
    r = flow("run", ir, cwd=work)
    check(r.returncode == 0, f"hostile agent run succeeds: {r.returncode} {r.stdout!r} {r.stderr!r}")
    no_control(r.stdout + r.stderr, "plain run with hostile agents")
    events = check_run_intact(latest_run(work), "succeeded", "hostile agents")
    verdicts = [e["verdict"] for e in events if e["event"] == "verdict"]
    check(verdicts == ["FAIL", "PASS"], f"decorated verdicts are read: {verdicts}")
    retry = [e for e in events if e["event"] == "retry"]
    check(len(retry) == 1 and retry[0]["feedback"].startswith("Needs w\ufffdrk caf\ufffd"),
          f"feedback recorded with invalid bytes replaced: {retry}")

    code, out = flow_on_pty("run", ir, cwd=work)
    check(code == 0, f"live view run succeeds: {code}")
    check(b"\x1b[1m" in out, "the live view was used (its bold header is there)")
    for bad, name in [(b"\x1b]", "OSC"), (b"\x1b[2J", "clear screen"), (b"\x1b[31m", "colour"),
                      (b"\x07", "BEL"), (b"\xc2\x9b", "C1 CSI"), (b"\xe2\x80\xae", "RLO")]:
        check(bad not in out, f"live view: the agent's {name} reaches the terminal")
    check(re.search("FAIL  plan/gate: critic \\(attempt 1, [0-9.]+s\\): Needs w\ufffdrk caf\ufffd red"
                    .encode(), out),
          f"live view shows the feedback, cleaned: {out[-800:]!r}")
    os.remove(os.path.join(work, "flow.yaml"))


def test_bad_ir_and_sim_options(work):
    ir = write_ir(os.path.join(work, "ghost.json"),
                  [node(0, "plan", "agent", [], agent="ghost")])
    r = flow("run", ir, cwd=work)
    check(r.returncode == 2 and r.stderr == f"flow: {ir}: not a usable IR file: /nodes/0/agent: "
          "agent `ghost` is not declared in /agents\n".encode(), f"undeclared agent: {r.stderr!r}")
    ir = write_ir(os.path.join(work, "empty.json"), [node(0, "plan", "agent", [], agent="")])
    r = flow("run", ir, cwd=work)
    check(r.returncode == 2 and b"/nodes/0/agent: agent `` is not declared" in r.stderr,
          f"empty agent: {r.stderr!r}")
    ir = write_ir(os.path.join(work, "nochecks.json"),
                  [node(0, "plan", "agent", [], agent="planner"),
                   node(1, "plan/gate", "gate", [0], target="plan", members=[0], checks=[],
                        retries=1, on_exhausted="stop")])
    r = flow("run", ir, cwd=work)
    check(r.returncode == 2 and r.stderr.endswith(b"/nodes/1/checks: a gate needs at least one check\n"),
          f"gate without checks: {r.stderr!r}")
    ir = write_ir(os.path.join(work, "dup.json"),
                  [node(0, "plan", "agent", [], agent="planner"),
                   node(1, "plan", "command", [0], command="true")])
    r = flow("run", ir, cwd=work)
    check(r.returncode == 2 and r.stderr.endswith(
        b"/nodes/1/name: a node `plan` is already declared at /nodes/0\n"), f"duplicate: {r.stderr!r}")

    ir = gated_ir(work)
    for args, msg in [
        (["--sim-fail-review", "pln"], "flow: --sim-fail-review: no reviewed step or review gate "
                                       "of this flow is named `pln`; did you mean `plan`?\n"),
        (["--sim-fail-review", "NO-SUCH-STEP:2"], "flow: --sim-fail-review: no reviewed step or "
         "review gate of this flow is named `NO-SUCH-STEP` (they are: plan, plan/gate)\n"),
        (["--sim-fail-step", "biuld"], "flow: --sim-fail-step: no agent step of this flow is "
                                       "named `biuld` (they are: plan)\n"),
        (["--sim-fail-step", "pla"], "flow: --sim-fail-step: no agent step of this flow is named "
                                     "`pla`; did you mean `plan`?\n")]:
        r = flow("run", ir, *args, "--run-dir", "sim-runs", cwd=work)
        check(r.returncode == 2 and r.stderr == msg.encode(), f"{args}: {r.returncode} {r.stderr!r}")
    r = flow("run", ir, "--sim-fail-review", "plan/gate", "--run-dir", "sim-runs", cwd=work)
    check(r.returncode == 0 and b"FAIL  plan/gate" in r.stdout, "a known gate name is accepted")


def test_damaged_run_json(work):
    root = os.path.join(work, "damaged")
    os.makedirs(os.path.join(root, "r1"))
    with open(os.path.join(root, "r1", "run.json"), "w") as f:
        json.dump({"flow": 3, "status": "failed", "started": []}, f)
    for args in (["show", "r1"], ["runs"]):
        r = flow(*args, "--run-dir", root, cwd=work)
        check(r.returncode >= 0, f"flow {args[0]} on a damaged run.json dies of signal {-r.returncode}")
        check(r.returncode == 0 or r.stderr.startswith(b"flow: "),
              f"flow {args[0]} on a damaged run.json: {r.returncode} {r.stderr!r}")


def main():
    work = tempfile.mkdtemp(prefix="flow-text-")
    try:
        for test in (test_inputs, test_non_utf8_file_name, test_hostile_command, test_hostile_agent,
                     test_bad_ir_and_sim_options, test_damaged_run_json):
            d = os.path.join(work, test.__name__)
            os.makedirs(d)
            test(d)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all untrusted-text checks passed")


if __name__ == "__main__":
    main()

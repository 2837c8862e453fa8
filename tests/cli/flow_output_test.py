"""flow's output conventions: --color auto|always|never with NO_COLOR and FORCE_COLOR (the
live view on a real terminal, the compiler's messages on stderr), -q, and `flow run -`, which
reads the .flow from standard input and resolves its imports from the current directory.
Usage: flow_output_test.py FLOW SOURCE_DIR"""
import os
import pty
import select
import subprocess
import sys
import tempfile

from clitest import check, finish

flow = os.path.abspath(sys.argv[1])
BOLD, CYAN = b"\x1b[1m", b"\x1b[36m"

HELLO = """flow hello "One agent answers"
input question: text "What to ask"
agent helper < description "Answers"; prompt "Answer it." >
stage answer helper
"""
# W0100: `critic` is never used (a warning, the run goes ahead).
UNUSED = """flow unused
agent writer < description "Writes"; prompt "Write it." >
agent critic < description "Reviews"; role reviewer; prompt "Judge it." >
stage draft writer
"""
BROKEN = "flow broken\nstage draft ghost\n"  # E0101: no agent ghost
IMPORTS = """flow imports
use "lib/agents.flow"
stage draft writer
"""


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    e["TERM"] = "xterm"
    e.update(extra)
    return e


def on_terminal(argv, environ):
    """Runs argv with stdout and stderr on a new pseudo-terminal; returns the bytes it wrote
    there and its exit status."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=environ)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            p.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return out, p.wait(timeout=30)


def run(argv, environ=None, stdin=None):
    return subprocess.run(argv, input=stdin, capture_output=True, env=environ or env(), timeout=60)


def test_live_view_colour():
    hello = ["run", "hello.flow", "-i", "question=hi", "--sim-latency", "200"]
    cases = [  # (extra arguments, environment, coloured?)
        ([], {}, True),
        ([], {"NO_COLOR": "1"}, False),
        ([], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, True),
        (["--color", "never"], {}, False),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color=never"], {}, False),
    ]
    for extra, more_env, coloured in cases:
        what = f"flow {' '.join(extra + hello)} with {more_env or 'no colour variables'}"
        out, code = on_terminal([flow] + extra + hello, env(**more_env))
        check(code == 0, f"{what}: exit {code}: {out[-300:]!r}")
        check(b"1 step finished" in out and b"\x1b[J" in out, f"{what}: no live view: {out[:300]!r}")
        has = BOLD in out or CYAN in out
        check(has == coloured, f"{what}: colour {'missing' if coloured else 'present'}: {out[:300]!r}")


def test_diagnostic_colour():
    cases = [  # (global options, environment, coloured?) - stderr is a pipe here
        ([], {}, False),
        (["--color", "always"], {}, True),
        ([], {"FORCE_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ]
    for options, more_env, coloured in cases:
        p = run([flow] + options + ["run", "broken.flow"], env(**more_env))
        what = f"flow {' '.join(options)} run broken.flow with {more_env}"
        check(p.returncode == 2 and b"error[E0101]" in p.stderr, f"{what}: {p.returncode} {p.stderr!r}")
        check((b"\x1b[" in p.stderr) == coloured, f"{what}: colour wrong: {p.stderr[:200]!r}")


def test_quiet():
    p = run([flow, "run", "unused.flow"])
    check(p.returncode == 0 and b"warning[W0100]" in p.stderr, f"no -q: {p.stderr!r}")
    check(b"NOTE: agents are SIMULATED" in p.stdout and b"done  writer" in p.stdout, f"{p.stdout!r}")
    for q in (["-q", "run"], ["run", "--quiet"]):
        p = run([flow] + q + ["unused.flow"])
        lines = p.stdout.decode().splitlines()
        check(p.returncode == 0 and p.stderr == b"", f"{q}: {p.returncode} {p.stderr!r}")
        check(len(lines) == 1 and lines[0].startswith("run ") and ": succeeded (" in lines[0],
              f"{q}: stdout is not just the result: {lines}")
    # A failure is still reported in full, with the way to go on.
    p = run([flow, "-q", "run", "hello.flow", "-i", "question=hi", "--sim-fail-step", "helper"])
    out = p.stdout.decode()
    check(p.returncode == 1, f"-q failing run: exit {p.returncode}")
    for text in ("FAILED helper", "flow resume", ": failed ("):
        check(text in out, f"-q failing run: {text!r} missing from {out!r}")
    check("start helper" not in out and "NOTE" not in out, f"-q failing run says too much: {out!r}")
    # An error of the flow itself still shows.
    p = run([flow, "-q", "run", "broken.flow"])
    check(p.returncode == 2 and b"error[E0101]" in p.stderr, f"-q broken: {p.stderr!r}")


def test_stdin():
    p = run([flow, "-q", "run", "-", "-i", "question=hi"], stdin=HELLO.encode())
    check(p.returncode == 0 and b": succeeded (" in p.stdout, f"run -: {p.returncode} {p.stdout!r} {p.stderr!r}")
    # Imports resolve against the current directory.
    p = run([flow, "run", "--dry-run", "-"], stdin=IMPORTS.encode())
    check(p.returncode == 0 and b"writer" in p.stdout, f"run - with use: {p.stdout!r} {p.stderr!r}")
    os.chdir("sub")
    try:
        p = run([flow, "run", "--dry-run", "-"], stdin=IMPORTS.encode())
        check(p.returncode == 2 and b"<stdin>:2:5: error[E0100]" in p.stderr,
              f"run - in another directory: {p.returncode} {p.stderr!r}")
    finally:
        os.chdir("..")
    # The run records `-` as its file; the flow itself is kept in the run directory, so the
    # run resumes without standard input.
    p = run([flow, "run", "-", "-i", "question=hi", "--sim-fail-step", "helper"], stdin=HELLO.encode())
    check(p.returncode == 1, f"failing run -: exit {p.returncode} {p.stderr!r}")
    p = run([flow, "resume"], stdin=b"")
    check(p.returncode == 1 and b"FAILED helper" in p.stdout, f"resume of run -: {p.returncode} {p.stdout!r}")


with tempfile.TemporaryDirectory() as scratch:
    os.chdir(scratch)
    for name, text in (("hello.flow", HELLO), ("unused.flow", UNUSED), ("broken.flow", BROKEN)):
        with open(name, "w", encoding="utf-8") as f:
            f.write(text)
    os.makedirs("lib")
    os.makedirs("sub")
    with open("lib/agents.flow", "w", encoding="utf-8") as f:
        f.write('agent writer < description "Writes"; prompt "Write it." >\n')
    test_live_view_colour()
    test_diagnostic_colour()
    test_quiet()
    test_stdin()
finish("flow_output")

"""A mistyped command or option gets "did you mean ...?" and exit 2, for flowc and flow, also
after a global option and with `--option=value`. Usage: typo_test.py FLOWC FLOW"""
import sys

from clitest import check, finish, run

flowc, flow = sys.argv[1], sys.argv[2]

CASES = [
    # argv, what stderr must contain
    ([flowc, "chek", "x.flow"], ["flowc: error: unknown command `chek`", "did you mean `check`?"]),
    ([flowc, "--color", "never", "chek"], ["unknown command `chek`", "did you mean `check`?"]),
    ([flowc, "check", "--fomat", "json", "x.flow"],
     ["flowc: error: unknown option `--fomat`", "did you mean `--format`?"]),
    ([flowc, "check", "--fomat=json", "x.flow"], ["unknown option `--fomat`", "`--format`"]),
    ([flowc, "graph", "--quite", "x.flow"], ["did you mean `--quiet`?"]),  # a global option
    ([flowc, "frobnicate"], ["unknown command `frobnicate`", "the commands are check, compile"]),
    ([flow, "rn", "demo.flow"], ["flow: error: unknown command `rn`", "did you mean `run`?"]),
    ([flow, "-q", "shwo", "last"], ["unknown command `shwo`", "did you mean `show`?"]),
    ([flow, "run", "--dryrun", "demo.flow"],
     ["flow: error: unknown option `--dryrun`", "did you mean `--dry-run`?"]),
    ([flow, "--colr", "never", "runs"], ["unknown option `--colr`", "did you mean `--color`?"]),
    ([flow, "resume", "--job", "2"], ["did you mean `--jobs`?"]),
    ([flow, "run", "--zzzzzzzz", "demo.flow"],
     ["unknown option `--zzzzzzzz`", "`flow run --help` lists the options"]),
    # Any one-letter option is one edit from any other: no guess, the way to the list.
    ([flow, "-x", "runs"], ["unknown option `-x`", "`flow runs --help` lists the options"]),
    ([flow, "zzzz"], ["unknown command `zzzz`", "the commands are run, resume, run-node, runs, show"]),
]

for argv, wanted in CASES:
    p = run(argv)
    shown = " ".join(argv[1:])
    check(p.returncode == 2, f"`{shown}` exited {p.returncode}, not 2")
    for text in wanted:
        check(text in p.stderr, f"`{shown}`: stderr lacks {text!r}: {p.stderr!r}")
    check("Run with --help" not in p.stderr, f"`{shown}`: CLI11's message as well: {p.stderr!r}")

# A stray argument that is no name stays CLI11's plain message, with exit 2.
p = run([flow, "show", "a", "b", "c"])
check(p.returncode == 2 and "not expected: c" in p.stderr, f"stray argument: {p.stderr!r}")
finish("typo")

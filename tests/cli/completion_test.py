"""`flowc completion bash|zsh|fish` and `flow completion ...` in the real shells: each script
loads without error and completes commands, options, option values, .flow files and run ids,
and what only the tools know, through their hidden `__complete` command: the steps of a run
after `flow show RUN`, the steps a run waits on after `flow approve RUN`, `std/` modules,
diagnostic codes after `flowc explain`, a flow's inputs after `--input`. Words read from a
run's files are never expanded by the shell, and `__complete` prints nothing on bad input.
A missing shell is a failure (scripts/setup installs zsh and fish).
Usage: completion_test.py FLOWC FLOW"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from clitest import check, commands, finish, options, run

flowc, flow = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TOOLS = {"flowc": flowc, "flow": flow}
# The scripts run the tool as the command line names it: `flow` from PATH, as a user's shell.
PLAIN_PATH = os.environ["PATH"]
os.environ["PATH"] = os.path.dirname(flow) + os.pathsep + os.path.dirname(flowc) + os.pathsep + PLAIN_PATH

INPUTS_FLOW = """flow inputs "A flow with inputs"
input topic: text = "cats" "What to write about"
input deep: bool = false "Dig deeper"
agent writer < description "Writes"; tools Read; prompt "Write about the topic." >
stage draft writer as draft
"""
WAIT_FLOW = """flow wait "A run that waits for a person"
agent writer < description "Writes"; tools Read; prompt "Write." >
stage draft < writer as draft; approve "Ship it?" >
"""
HOSTILE_STEP = "$(touch pwned)"
CODES = {"E0101", "E0102", "W0100"}


def script(tool, shell):
    p = run([TOOLS[tool], "completion", shell])
    check(p.returncode == 0 and p.stdout, f"{tool} completion {shell}: exit {p.returncode} {p.stderr}")
    path = os.path.join(os.getcwd(), f"{tool}.{shell}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(p.stdout)
    return path


def bash_complete(tool, words, command_word=None, env=None):
    """What bash's completion function offers for the command line `words` (the last is the
    word being completed); the command as typed is `command_word` (default: the tool's name)."""
    array = " ".join("'" + w.replace("'", "'\\''") + "'" for w in [command_word or tool] + words)
    code = (f"source {script(tool, 'bash')} || exit 9\n"
            f"COMP_WORDS=({array}); COMP_CWORD={len(words)}\n"
            f"$(complete -p {tool} | sed -E 's/.*-F ([^ ]+) .*/\\1/')\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"")
    p = run(["bash", "--norc", "-c", code], env=env)
    check(p.returncode == 0 and not p.stderr, f"bash {tool} {words}: exit {p.returncode} {p.stderr}")
    return set(p.stdout.split())


def zsh_complete(tool, words):
    """The words zsh's completion function hands to compadd (stubbed, filtering by PREFIX as
    the real one does) or the _files calls it makes, for the command line `words`."""
    array = " ".join("'" + w.replace("'", "'\\''") + "'" for w in [tool] + words)
    code = ("autoload -Uz compinit && compinit -u -D\n"
            f"source {script(tool, 'zsh')} || exit 9\n"
            "[[ $_comps[" + tool + "] == _" + tool + " ]] || { print -u2 not registered; exit 8; }\n"
            "compadd() { while [[ $1 != -- ]]; do shift; done; shift; local w\n"
            "  for w; do [[ $w == ${PREFIX}* ]] && print -r -- $w; done; return 0; }\n"
            "_files() { print -r -- \"_files $*\"; }\n"
            f"words=({array}); CURRENT={len(words) + 1}; PREFIX={words[-1]!r}\n"
            f"_{tool}; exit 0")
    p = run(["zsh", "-f", "-c", code])
    check(p.returncode == 0 and not p.stderr, f"zsh {tool} {words}: exit {p.returncode} {p.stderr}")
    return set(p.stdout.splitlines())


def fish_complete(tool, line):
    code = f"source {script(tool, 'fish')}; or exit 9; complete -C {line!r}"
    p = run(["fish", "--no-config", "-c", code])
    check(p.returncode == 0 and not p.stderr, f"fish `{line}`: exit {p.returncode} {p.stderr}")
    return {entry.split("\t")[0] for entry in p.stdout.splitlines()}


def expect(got, wanted, absent, what):
    check(wanted <= got, f"{what}: {sorted(wanted - got)} missing from {sorted(got)}")
    check(not (absent & got), f"{what}: {sorted(absent & got)} offered")


def test_bash():
    for tool in TOOLS:
        # Every command and every option of each command the tool has now: never stale.
        names = set(commands(TOOLS[tool]))
        expect(bash_complete(tool, [""]), names, set(), f"bash: {tool} commands")
        for command in names:
            wanted = {n for o in options(TOOLS[tool], command) for n in o.names}
            expect(bash_complete(tool, [command, "-"]), wanted, set(), f"bash: {tool} {command} -")
    expect(bash_complete("flowc", ["ch"]), {"check"}, {"compile"}, "bash: flowc ch")
    expect(bash_complete("flowc", ["--color", "never", "ch"]), {"check"}, set(),
           "bash: after a global option and its value")
    expect(bash_complete("flow", ["rep"]), {"report"}, {"run"}, "bash: flow rep")
    expect(bash_complete("flow", ["run", "--dr"]), {"--dry-run"}, set(), "bash: flow run --dr")
    expect(bash_complete("flowc", ["check", "--format", ""]), {"human", "json", "sarif", "github"},
           set(), "bash: --format values")
    expect(bash_complete("flow", ["--color", "a"]), {"auto", "always"}, {"never"}, "bash: --color a")
    expect(bash_complete("flow", ["run", ""]), {"demo.flow", "sub"}, {"notes.txt"}, "bash: .flow files")
    expect(bash_complete("flow", ["show", ""]), {"20260101-120000-abcd", "last"}, {"demo.flow"},
           "bash: run ids")
    expect(bash_complete("flow", ["show", "--run-dir", "other", ""]), {"20250505-000000-ffff"},
           {"20260101-120000-abcd"}, "bash: run ids of --run-dir")
    expect(bash_complete("flowc", ["completion", ""]), {"bash", "zsh", "fish"}, set(),
           "bash: completion shells")
    # What only the tools know.
    expect(bash_complete("flow", ["show", RUN, ""]), STEPS, {"last", RUN}, "bash: steps of a run")
    expect(bash_complete("flow", ["show", "last", "dr"]), {"draft"}, {"draft/gate"}, "bash: steps of `last`")
    expect(bash_complete("flow", ["show", "--run-dir", "evil", EVIL, ""]), {"fine"}, set(),
           "bash: steps of a run under --run-dir")
    check(HOSTILE_STEP not in bash_complete("flow", ["show", "--run-dir", "evil", EVIL, ""]),
          "bash: a step name holding $(...) is not offered")
    expect(bash_complete("flow", ["approve", "--run-dir", "waiting", "last", ""]), {"approve"}, {"draft"},
           "bash: the step a run waits on")
    expect(bash_complete("flow", ["reject", "--run-dir", "waiting", "last", "a"]), {"approve"}, set(),
           "bash: reject completes the waiting step too")
    expect(bash_complete("flow", ["run", "std/b"]), {"std/backend", "std/backend-team"}, {"std/plan"},
           "bash: std/ modules after flow run")
    expect(bash_complete("flowc", ["check", "std/p"]), {"std/plan", "std/policies"}, {"std/backend"},
           "bash: std/ modules after flowc check")
    expect(bash_complete("flowc", ["explain", ""]), CODES, set(), "bash: codes after flowc explain")
    expect(bash_complete("flowc", ["explain", "W01"]), {"W0100"}, {"E0101"}, "bash: codes starting W01")
    expect(bash_complete("flow", ["run", "inputs.flow", "--input", ""]), {"topic=", "deep="}, {"feature="},
           "bash: the flow's inputs after --input")
    expect(bash_complete("flow", ["run", "inputs.flow", "-i", "t"]), {"topic="}, {"deep="},
           "bash: the flow's inputs after -i")
    expect(bash_complete("flow", ["run", "std/backend", "-i", "x=1", "--input", ""]),
           {"feature=", "domains=", "open-prs="}, set(), "bash: a std/ flow's inputs")
    check(bash_complete("flow", ["run", "--input", ""]) == set(), "bash: no flow named yet, no inputs")
    # A tool named by its path (./build/bin/flow) is the one asked, not one from PATH.
    expect(bash_complete("flowc", ["explain", "E010"], command_word=flowc, env=dict(os.environ, PATH=PLAIN_PATH)),
           {"E0101", "E0102"}, set(), "bash: the tool as typed answers, PATH without it")


def test_zsh():
    for tool in TOOLS:
        expect(zsh_complete(tool, [""]), set(commands(TOOLS[tool])), set(), f"zsh: {tool} commands")
    expect(zsh_complete("flowc", ["ch"]), {"check"}, {"compile"}, "zsh: flowc ch")
    expect(zsh_complete("flow", ["run", "--dr"]), {"--dry-run"}, set(), "zsh: flow run --dr")
    expect(zsh_complete("flowc", ["check", "--format", "s"]), {"sarif"}, {"json"}, "zsh: --format s")
    expect(zsh_complete("flow", ["run", ""]), {"_files -g *.flow"}, set(), "zsh: .flow files")
    expect(zsh_complete("flow", ["show", ""]), {"20260101-120000-abcd", "last"}, set(), "zsh: run ids")
    expect(zsh_complete("flow", ["show", RUN, ""]), STEPS, {"last"}, "zsh: steps of a run")
    expect(zsh_complete("flow", ["show", "--run-dir", "evil", EVIL, ""]), {"fine"}, {HOSTILE_STEP},
           "zsh: steps of a run under --run-dir")
    expect(zsh_complete("flow", ["approve", "--run-dir", "waiting", "last", ""]), {"approve"}, {"draft"},
           "zsh: the step a run waits on")
    expect(zsh_complete("flow", ["run", "std/"]), {"std/backend", "std/plan", "_files -g *.flow"}, set(),
           "zsh: std/ modules and .flow files after flow run")
    expect(zsh_complete("flowc", ["check", "std/p"]), {"std/plan", "std/policies"}, {"std/backend"},
           "zsh: std/ modules after flowc check")
    expect(zsh_complete("flowc", ["explain", "E"]), {"E0101", "E0102"}, {"W0100"}, "zsh: codes")
    expect(zsh_complete("flow", ["run", "inputs.flow", "--input", ""]), {"topic=", "deep="}, set(),
           "zsh: the flow's inputs after --input")
    # Saved as _flowc in $fpath, compinit finds it and it completes on first use.
    os.makedirs("zfunc", exist_ok=True)
    shutil.copy(script("flowc", "zsh"), "zfunc/_flowc")
    p = run(["zsh", "-f", "-c", "fpath=(zfunc $fpath); autoload -Uz compinit && compinit -u -D; "
             "print -r -- $_comps[flowc]"])
    check(p.stdout.strip() == "_flowc" and not p.stderr, f"zsh fpath: {p.stdout!r} {p.stderr!r}")


def test_fish():
    expect(fish_complete("flowc", "flowc ch"), {"check"}, {"compile"}, "fish: flowc ch")
    expect(fish_complete("flow", "flow rep"), {"report"}, set(), "fish: flow rep")
    expect(fish_complete("flow", "flow run --dr"), {"--dry-run"}, set(), "fish: flow run --dr")
    expect(fish_complete("flowc", "flowc check --format "), {"human", "json", "sarif", "github"},
           set(), "fish: --format values")
    expect(fish_complete("flow", "flow show "), {"20260101-120000-abcd", "last"}, set(),
           "fish: run ids")
    expect(fish_complete("flow", "flow run "), {"demo.flow"}, set(), "fish: .flow files")
    expect(fish_complete("flow", f"flow show {RUN} "), STEPS, {"last", RUN}, "fish: steps of a run")
    expect(fish_complete("flow", f"flow show --run-dir evil {EVIL} "), {"fine"}, {HOSTILE_STEP, EVIL},
           "fish: steps of a run under --run-dir")
    expect(fish_complete("flow", "flow show --run-dir other "), {"20250505-000000-ffff"},
           {"20260101-120000-abcd"}, "fish: run ids of --run-dir")
    expect(fish_complete("flow", "flow approve --run-dir waiting last "), {"approve"}, {"draft"},
           "fish: the step a run waits on")
    expect(fish_complete("flow", "flow run std/b"), {"std/backend", "std/backend-team"}, set(),
           "fish: std/ modules after flow run")
    expect(fish_complete("flowc", "flowc check std/p"), {"std/plan", "std/policies"}, set(),
           "fish: std/ modules after flowc check")
    expect(fish_complete("flowc", "flowc explain E01"), {"E0101", "E0102"}, {"W0100"}, "fish: codes")
    expect(fish_complete("flow", "flow run inputs.flow --input "), {"topic=", "deep="}, set(),
           "fish: the flow's inputs after --input")
    for tool in TOOLS:
        expect(fish_complete(tool, tool + " "), set(commands(TOOLS[tool])), set(),
               f"fish: {tool} commands")


def test_helper_on_bad_input():
    """`__complete` prints words or nothing: no message, whatever it is given."""
    for tool, args in (("flow", ["steps", ".flow/runs", "no-such-run"]), ("flow", ["steps"]),
                       ("flow", ["steps", ".flow/runs", "../.."]), ("flow", ["waiting", "/nonexistent", "last"]),
                       ("flow", ["inputs", "-"]), ("flow", ["inputs", "no-such.flow"]),
                       ("flow", ["inputs", "broken.flow"]), ("flow", ["inputs", "sub"]),
                       ("flow", ["inputs", "fifo.flow"]), ("flow", ["inputs", "notes.txt"])):
        p = run([TOOLS[tool], "__complete", *args], stdin=subprocess.DEVNULL, timeout=10)
        check(p.returncode == 0 and p.stdout == "" and p.stderr == "",
              f"{tool} __complete {args}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")
    for tool in TOOLS:
        for args in (["no-such-kind"], []):
            p = run([TOOLS[tool], "__complete", *args])
            check(p.returncode == 2 and p.stdout == "" and p.stderr == "",
                  f"{tool} __complete {args}: exit 2, silent: {p.returncode} {p.stdout!r} {p.stderr!r}")
    p = run([flow, "__complete", "steps", "evil", EVIL])
    check(p.stdout.split() == ["fine"], f"a step name that a shell would expand is left out: {p.stdout!r}")
    p = run([flowc, "__complete", "codes"])
    check("E0101\tundefined agent\n" in p.stdout, f"codes come with their titles: {p.stdout[:200]!r}")
    check(not os.path.exists("pwned"), "no step name was run as a command")


def make_runs():
    """A finished run in .flow/runs, a run that waits for an approval in waiting/ (its process
    left running; returned), and a hand-made run in evil/ whose step names hold shell syntax."""
    with open("inputs.flow", "w") as f:
        f.write(INPUTS_FLOW)
    with open("wait.flow", "w") as f:
        f.write(WAIT_FLOW)
    with open("broken.flow", "w") as f:
        f.write("flow broken\ninput x: nonsense\n")
    os.mkfifo("fifo.flow")
    p = run([flow, "run", "inputs.flow", "--yes"])
    check(p.returncode == 0, f"a run to complete steps of: {p.stderr}")
    runs = [r for r in os.listdir(".flow/runs") if os.path.exists(f".flow/runs/{r}/run.json")]
    waiter = subprocess.Popen([flow, "run", "wait.flow", "--run-dir", "waiting"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and "approve" not in run([flow, "__complete", "waiting", "waiting", "last"]).stdout:
        time.sleep(0.1)
    os.makedirs(f"evil/{EVIL}")
    with open(f"evil/{EVIL}/run.json", "w") as f:
        f.write('{"id": "%s", "flow": "evil", "status": "failed"}\n' % EVIL)
    with open(f"evil/{EVIL}/events.jsonl", "w") as f:
        for step in (HOSTILE_STEP, "fine", "two words"):
            f.write('{"seq": 1, "event": "attempt", "step": "%s", "attempt": 1, "ok": true}\n' % step)
    return (runs[0] if len(runs) == 1 else ""), waiter


EVIL = "20250101-000000-evil"
with tempfile.TemporaryDirectory() as scratch:
    os.chdir(scratch)
    for name in ("demo.flow", "notes.txt"):
        open(name, "w").close()
    os.makedirs("sub")
    os.makedirs(".flow/runs/20260101-120000-abcd")
    os.makedirs("other/20250505-000000-ffff")
    RUN, waiter = make_runs()
    STEPS = {"draft"}
    try:
        check(RUN != "", "one finished run in .flow/runs")
        test_helper_on_bad_input()
        for shell, test in (("bash", test_bash), ("zsh", test_zsh), ("fish", test_fish)):
            if shutil.which(shell) is None:
                check(False, f"{shell} is not installed (scripts/setup installs it)")
                continue
            test()
        check(not os.path.exists("pwned"), "no step name was run as a command by a shell")
    finally:
        waiter.kill()
        waiter.wait()
finish("completion")

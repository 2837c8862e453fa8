"""`flowc completion bash|zsh|fish` and `flow completion ...` in the real shells: each script
loads without error and completes commands, options, option values, .flow files and run ids.
A missing shell is a failure (scripts/setup installs zsh and fish).
Usage: completion_test.py FLOWC FLOW"""
import os
import shutil
import sys
import tempfile

from clitest import check, commands, finish, options, run

flowc, flow = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
TOOLS = {"flowc": flowc, "flow": flow}


def script(tool, shell):
    p = run([TOOLS[tool], "completion", shell])
    check(p.returncode == 0 and p.stdout, f"{tool} completion {shell}: exit {p.returncode} {p.stderr}")
    path = os.path.join(os.getcwd(), f"{tool}.{shell}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(p.stdout)
    return path


def bash_complete(tool, words):
    """What bash's completion function offers for the command line `words` (the last is the
    word being completed)."""
    array = " ".join("'" + w.replace("'", "'\\''") + "'" for w in [tool] + words)
    code = (f"source {script(tool, 'bash')} || exit 9\n"
            f"COMP_WORDS=({array}); COMP_CWORD={len(words)}\n"
            f"$(complete -p {tool} | sed -E 's/.*-F ([^ ]+) .*/\\1/')\n"
            "printf '%s\\n' \"${COMPREPLY[@]}\"")
    p = run(["bash", "--norc", "-c", code])
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


def test_zsh():
    for tool in TOOLS:
        expect(zsh_complete(tool, [""]), set(commands(TOOLS[tool])), set(), f"zsh: {tool} commands")
    expect(zsh_complete("flowc", ["ch"]), {"check"}, {"compile"}, "zsh: flowc ch")
    expect(zsh_complete("flow", ["run", "--dr"]), {"--dry-run"}, set(), "zsh: flow run --dr")
    expect(zsh_complete("flowc", ["check", "--format", "s"]), {"sarif"}, {"json"}, "zsh: --format s")
    expect(zsh_complete("flow", ["run", ""]), {"_files -g *.flow"}, set(), "zsh: .flow files")
    expect(zsh_complete("flow", ["show", ""]), {"20260101-120000-abcd", "last"}, set(), "zsh: run ids")
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
    for tool in TOOLS:
        expect(fish_complete(tool, tool + " "), set(commands(TOOLS[tool])), set(),
               f"fish: {tool} commands")


with tempfile.TemporaryDirectory() as scratch:
    os.chdir(scratch)
    for name in ("demo.flow", "notes.txt"):
        open(name, "w").close()
    os.makedirs("sub")
    os.makedirs(".flow/runs/20260101-120000-abcd")
    os.makedirs("other/20250505-000000-ffff")
    for shell, test in (("bash", test_bash), ("zsh", test_zsh), ("fish", test_fish)):
        if shutil.which(shell) is None:
            check(False, f"{shell} is not installed (scripts/setup installs it)")
            continue
        test()
finish("completion")

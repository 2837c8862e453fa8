#!/usr/bin/env python3
"""The repository's pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself (the
Debian package; a missing pre-commit is a failure) in a scratch git repository whose
.pre-commit-config.yaml is docs/cli.md's, `repo:` pointing at a local clone of the hooks
(pre-commit clones it as it would the real address). A flow with an error fails `flowc-check`,
an unformatted one `flowc-fmt`, and a commit of them is refused; fixed, both hooks pass. Only
.flow files reach the hooks.

Usage: pre_commit_test.py FLOWC SOURCE_DIR"""
import os
import shutil
import sys
import tempfile

from citest import check, doc_block, finish, run

FLOWC = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])

GOOD = 'flow good "Clean and formatted"\nagent writer < description "Writes"; prompt "Write." >\nstage s writer\n'
BAD = 'flow bad "Calls an agent nobody declared"\nstage s ghost\n'
UGLY = 'flow ugly "Checks clean, not formatted"\nagent writer < description "Writes"; prompt "Write." >\nstage   s   writer\n'


def git(repo, *args):
    r = run(["git", "-C", repo, *args])
    check(r.returncode == 0, f"git {' '.join(args)}: {r.stderr}")
    return r.stdout.strip()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def hooks_clone(base):
    """A git repository holding the hooks file, as pre-commit finds it at `repo:`."""
    repo = os.path.join(base, "flow-hooks")
    os.makedirs(repo)
    git(repo, "init", "-q")
    shutil.copy(os.path.join(SOURCE, ".pre-commit-hooks.yaml"), repo)
    git(repo, "add", ".pre-commit-hooks.yaml")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo, git(repo, "rev-parse", "HEAD")


def project(base, hooks, rev):
    """The scratch repository: docs/cli.md's configuration, its repo and rev made local."""
    repo = os.path.join(base, "project")
    os.makedirs(repo)
    git(repo, "init", "-q")
    config = doc_block(os.path.join(SOURCE, "docs", "cli.md"), "# .pre-commit-config.yaml")
    check("repo: https://github.com/OWNER/flow" in config and "rev: main" in config,
          f"the documented configuration names the repository and a rev: {config}")
    write(os.path.join(repo, ".pre-commit-config.yaml"),
          config.replace("https://github.com/OWNER/flow", hooks).replace("rev: main", f"rev: {rev}"))
    write(os.path.join(repo, "good.flow"), GOOD)
    write(os.path.join(repo, "bad.flow"), BAD)
    write(os.path.join(repo, "ugly.flow"), UGLY)
    write(os.path.join(repo, "notes.txt"), "stage s ghost\n")  # not a flow: no hook reads it
    git(repo, "add", ".")
    return repo


def main():
    if shutil.which("pre-commit") is None:
        print("FAIL: pre-commit is not installed (scripts/setup installs it: apt-get install pre-commit)")
        return 1
    if not os.path.isfile(os.path.join(SOURCE, ".pre-commit-hooks.yaml")):
        print(f"FAIL: {SOURCE} has no .pre-commit-hooks.yaml")
        return 1
    with tempfile.TemporaryDirectory() as base:
        os.environ.update(PATH=os.path.dirname(FLOWC) + os.pathsep + os.environ["PATH"],
                          PRE_COMMIT_HOME=os.path.join(base, "cache"), GIT_AUTHOR_NAME="test",
                          GIT_AUTHOR_EMAIL="test@example.invalid", GIT_COMMITTER_NAME="test",
                          GIT_COMMITTER_EMAIL="test@example.invalid", NO_COLOR="1")
        hooks, rev = hooks_clone(base)
        repo = project(base, hooks, rev)
        r = run(["pre-commit", "run", "--all-files", "--color", "never"], cwd=repo)
        out = r.stdout + r.stderr
        print(out)
        check(r.returncode == 1, f"pre-commit run --all-files fails: exit {r.returncode}")
        lines = out.splitlines()
        check(any(l.startswith("flowc check") and l.endswith("Failed") for l in lines), "flowc-check failed")
        check(any(l.startswith("flowc fmt --check") and l.endswith("Failed") for l in lines), "flowc-fmt failed")
        check("E0101" in out and "bad.flow" in out and "`ghost`" in out, "the error names its code, file and agent")
        check("ugly.flow" in out and "+stage s writer" in out, "the fmt hook prints ugly.flow's diff")
        check("notes.txt" not in out, "a file that is not .flow reaches no hook")

        r = run(["pre-commit", "install"], cwd=repo)
        check(r.returncode == 0, f"pre-commit install: {out}")
        r = run(["git", "commit", "-q", "-m", "flows"], cwd=repo)
        check(r.returncode != 0 and "E0101" in r.stdout + r.stderr, f"the commit is refused: {r.returncode}")

        write(os.path.join(repo, "bad.flow"), BAD.replace("stage s ghost", 'agent ghost < description "Haunts"; prompt "Boo." >\nstage s ghost'))
        r = run([FLOWC, "fmt", "ugly.flow"], cwd=repo)
        check(r.returncode == 0, f"flowc fmt ugly.flow: {r.stderr}")
        git(repo, "add", ".")
        r = run(["git", "commit", "-q", "-m", "flows"], cwd=repo)
        out = r.stdout + r.stderr
        check(r.returncode == 0, f"fixed, the commit goes through: {out}")
        check(sum(l.endswith("Passed") for l in out.splitlines()) == 2, f"both hooks passed: {out}")
    finish("pre-commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""flowc fmt on every .flow file of the repository: it must never change what a file means.

usage: fmt_repository_test.py FLOWC ROOT

For each .flow file under examples/, stdlib/, tests/ and fuzz/ (the fuzz seeds):
* a file the parser refuses is refused (exit 2, a syntax error code E00xx, nothing written);
* otherwise formatting the result again changes nothing (fmt(fmt(x)) == fmt(x));
* `flowc compile` gives the same IR for the formatted text as for the original, apart from
  source positions (re-indenting moves columns, collapsing blank lines moves lines), and
  `flowc check` the same diagnostics, apart from positions, when the file does not compile.
Everything goes through standard input from the file's own directory, so the file itself is
never written and relative `use` and agent paths resolve the same way for both texts.
"""
import json
import os
import subprocess
import sys

failures = []


def fail(what):
    failures.append(what)
    print("FAIL: " + what, file=sys.stderr)


def flowc(flowc_path, args, text, cwd):
    return subprocess.run([flowc_path, *args], input=text, capture_output=True, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120)


def without_positions(value):
    if isinstance(value, dict):
        return {k: without_positions(v) for k, v in value.items()
                if k not in ("loc", "line", "col", "end_line", "end_col")}
    if isinstance(value, list):
        return [without_positions(v) for v in value]
    return value


def flow_files(root):
    for top in ("examples", "stdlib", "tests", "fuzz"):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for f in sorted(files):
                if f.endswith(".flow"):
                    yield os.path.join(d, f)


def check_file(flowc_path, path, rel):
    cwd = os.path.dirname(path)
    with open(path, "rb") as f:
        original = f.read()
    first = flowc(flowc_path, ["fmt", "-"], original, cwd)
    if first.returncode == 2:
        err = first.stderr.decode(errors="replace")
        if not err.startswith("<stdin>:") or "error[E00" not in err or first.stdout:
            fail(f"{rel}: refused without a syntax error: {err}")
        return "refused"
    if first.returncode != 0:
        fail(f"{rel}: fmt exit {first.returncode}: {first.stderr.decode(errors='replace')}")
        return "failed"
    formatted = first.stdout
    second = flowc(flowc_path, ["fmt", "-"], formatted, cwd)
    if second.returncode != 0 or second.stdout != formatted:
        fail(f"{rel}: formatting the formatted text changes it again")
    before = flowc(flowc_path, ["compile", "-"], original, cwd)
    after = flowc(flowc_path, ["compile", "-"], formatted, cwd)
    if before.returncode != after.returncode:
        fail(f"{rel}: compile exit {before.returncode} before, {after.returncode} after formatting")
    elif before.returncode == 0:
        if without_positions(json.loads(before.stdout)) != without_positions(json.loads(after.stdout)):
            fail(f"{rel}: the IR of the formatted file differs")
        return "same IR"
    diags = [without_positions(json.loads(flowc(flowc_path, ["check", "--format", "json", "-"], t,
                                                cwd).stdout)) for t in (original, formatted)]
    if diags[0] != diags[1]:
        fail(f"{rel}: the diagnostics of the formatted file differ")
    return "same diagnostics"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    flowc_path, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    counts = {}
    for path in flow_files(root):
        rel = os.path.relpath(path, root)
        outcome = check_file(flowc_path, path, rel)
        counts[outcome] = counts.get(outcome, 0) + 1
    print(", ".join(f"{n} {what}" for what, n in sorted(counts.items())))
    # Guards against a walk that finds nothing, or a formatter that refuses everything.
    if counts.get("same IR", 0) < 50 or counts.get("refused", 0) < 20:
        fail(f"too few files in each outcome: {counts}")
    if failures:
        sys.exit(f"{len(failures)} failure(s)")


if __name__ == "__main__":
    main()

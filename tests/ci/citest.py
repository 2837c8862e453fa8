"""What the CI integration tests share: checks that collect failures, commands run with their
output kept, and the fenced blocks of docs/cli.md that the tests take as written."""
import re
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} failure(s)")
        sys.exit(1)
    print(f"{name}: ok")


def run(argv, **kw):
    kw.setdefault("timeout", 120)
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)


def doc_block(doc, first_line):
    """The body of the fenced block of `doc` whose first line is `first_line` (`# NAME`, as
    docs_test.py names the file it writes the block to)."""
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    for body in re.findall(r"^```\w*\n(.*?)^```$", text, re.S | re.M):
        if body.split("\n", 1)[0].strip() == first_line:
            return body
    raise AssertionError(f"{doc} has no block starting with {first_line!r}")

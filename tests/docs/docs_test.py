#!/usr/bin/env python3
"""Follows a markdown document the way a newcomer would, so that it cannot drift from the tools.

Each document gets a fresh scratch directory, then its fenced blocks are taken in order:
* a ```flow, ```yaml or ```markdown block (or a ```sh block that is a script to save) is
  written to the file the text names: a first line `# NAME`, or else the last file name in
  backticks (`hello.flow`, `flow.yaml`, `agents/x.md`, `fake-agent.sh`) in the text between
  the previous block and this one. A written .flow file must pass `flowc check`;
* every other ```sh block is run with bash (-e, -u, -o pipefail) in the scratch directory, with
  the built flowc and flow first on the PATH; it must exit 0.
A block that cannot be run as it is (it needs a paid agent, it builds the repository, it is a
part of a flow) must say so in the text right before it, with a reason:
    <!-- doc-test: skip: REASON -->
Any other failure fails the test. Blocks of other languages (compiler output, say) are prose.

usage: docs_test.py BIN_DIR [--copy DIR]... [--block-timeout SECONDS] DOC.md...
--copy DIR puts a copy of DIR (e.g. the repository's examples/) into each scratch directory, for
reference pages whose commands name files of the repository, as run from its root.
--block-timeout SECONDS: how long one block may run before it fails the test (default 60; a
page whose blocks install from npm needs more on a loaded machine).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
COPIES, DOCS = [], []
BLOCK_TIMEOUT = 60
_args = iter(sys.argv[2:])
for _a in _args:
    if _a == "--copy":
        COPIES.append(os.path.abspath(next(_args)))
    elif _a == "--block-timeout":
        BLOCK_TIMEOUT = int(next(_args))
    else:
        DOCS.append(os.path.abspath(_a))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
MARKER = re.compile(r"<!--\s*doc-test:(.*?)-->", re.S)
NAMED = re.compile(r"`([\w./-]+\.(?:flow|yaml|md|sh))`")
WRITTEN = ("flow", "yaml", "markdown")
failures = []


def fail(doc, line, what):
    failures.append(what)
    print(f"FAIL: {os.path.basename(doc)}:{line}: {what}")


def blocks(text):
    """(line, language, body, prose before it) for every fenced block."""
    out, last = [], 0
    for m in FENCE.finditer(text):
        out.append((text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2),
                    text[last:m.start()]))
        last = m.end()
    return out


def skip_reason(doc, line, prose):
    markers = MARKER.findall(prose)
    if not markers:
        return None
    m = re.fullmatch(r"\s*skip:\s*(\S.*?)\s*", markers[-1], re.S)
    if not m:
        fail(doc, line, f"unknown marker <!-- doc-test:{markers[-1]}-->; "
                        "write <!-- doc-test: skip: REASON -->")
        return ""
    return m.group(1)


def file_name(lang, body, prose):
    first = body.split("\n", 1)[0]
    m = re.fullmatch(r"#\s*([\w./-]+\.(?:yaml|flow))\s*", first)
    if m:
        return m.group(1)
    names = NAMED.findall(prose)
    if lang == "sh":  # a script to save is named as one: "Save it as `x.sh`"
        names = [n for n in names if n.endswith(".sh")]
    return names[-1] if names else None


def run(cmd, cwd, env):
    try:
        return subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        return subprocess.CompletedProcess(cmd, 124, out, err + f"\n(killed after {BLOCK_TIMEOUT} s)")


def follow(doc):
    work = tempfile.mkdtemp(prefix="flow-docs-")
    for source in COPIES:
        shutil.copytree(source, os.path.join(work, os.path.basename(source)))
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("FLOW_PATH", None)
    ran = written = skipped = 0
    try:
        for line, lang, body, prose in blocks(open(doc, encoding="utf-8").read()):
            if lang not in WRITTEN and lang != "sh":
                continue
            reason = skip_reason(doc, line, prose)
            if reason is not None:
                skipped += 1
                continue
            name = file_name(lang, body, prose)
            if lang in WRITTEN or name:
                if not name:
                    fail(doc, line, f"a ```{lang} block whose file the text does not name; name "
                                    "it in backticks before the block, or mark it "
                                    "<!-- doc-test: skip: REASON -->")
                    continue
                path = os.path.join(work, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(body)
                written += 1
                if name.endswith(".flow"):
                    r = run(["flowc", "check", name], work, env)
                    if r.returncode != 0:
                        fail(doc, line, f"`flowc check {name}` exits {r.returncode}:\n{r.stderr}")
                continue
            r = run(["bash", "-euo", "pipefail", "-c", body], work, env)
            ran += 1
            if r.returncode != 0:
                fail(doc, line, f"the commands exit {r.returncode}:\n{body}\n--- stdout:\n"
                                f"{r.stdout[-3000:]}\n--- stderr:\n{r.stderr[-3000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{os.path.basename(doc)}: {ran} command blocks run, {written} files written, "
          f"{skipped} blocks marked skip")
    if ran == 0:
        fail(doc, 0, "no command block was run")


def main():
    for tool in ("flowc", "flow"):
        if not os.access(os.path.join(BIN, tool), os.X_OK):
            print(f"FAIL: no {tool} in {BIN}; build it first")
            return 1
    for doc in DOCS:
        follow(doc)
    if failures:
        print(f"{len(failures)} block(s) failed")
        return 1
    print("every block runs as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

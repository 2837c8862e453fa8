#!/usr/bin/env python3
"""Expands every snippet of the VS Code extension with its default text, as VS Code inserts it
when the user only presses Tab, and checks the result with `flowc check`: a snippet must
produce flow that compiles. Statement snippets are checked as they are; step snippets
(`review`, `check`, `run`, `over`) as the body of a stage. Each is checked in a scratch
directory beside a few agents its defaults name.

Usage: snippets_test.py FLOWC SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

STEP_SNIPPETS = {"review", "check", "run", "over"}
CONTEXT = """
agent planner < prompt "Plan." >
agent reviewer < role reviewer; prompt "Review." >
agent researcher < prompt "Research." >
agent a < prompt "A." >
agent b < prompt "B." >
agent step < prompt "Work." >
"""
AGENT_FILE = "---\nname: name\ndescription: An agent from a file\n---\nDo the work.\n"
PLACEHOLDER = re.compile(r"\$\{(\d+):([^{}$]*)\}|\$\{(\d+)\|([^|]*)\|\}|\$(\d+)")


def expand(body):
    """Replaces placeholders by their default (a choice by its first option), and $N by the
    value placeholder N received, as VS Code mirrors it."""
    values = {}

    def replace(m):
        if m.group(1) is not None:
            values[m.group(1)] = m.group(2)
            return m.group(2)
        if m.group(3) is not None:
            values[m.group(3)] = m.group(4).split(",")[0]
            return values[m.group(3)]
        return values.get(m.group(5), "")

    text = "\n".join(body) if isinstance(body, list) else body
    while PLACEHOLDER.search(text):
        text = PLACEHOLDER.sub(replace, text)
    return text.replace("\\$", "$")


def main():
    flowc, source = os.path.abspath(sys.argv[1]), sys.argv[2]
    snippets = json.load(open(os.path.join(source, "editors", "vscode", "snippets", "flow.json"),
                              encoding="utf-8"))
    failures = 0
    for name, snippet in snippets.items():
        text = expand(snippet["body"])
        if snippet["prefix"] in STEP_SNIPPETS:
            text = f"stage snippet {text}"
        with tempfile.TemporaryDirectory() as work:
            os.makedirs(os.path.join(work, "agents"))
            with open(os.path.join(work, "agents", "name.md"), "w", encoding="utf-8") as f:
                f.write(AGENT_FILE)
            flow = os.path.join(work, "snippet.flow")
            # The header must come first; everything else after the context.
            header = snippet["prefix"] == "flow"
            with open(flow, "w", encoding="utf-8") as f:
                f.write(text + "\n" + CONTEXT if header else CONTEXT + text + "\n")
            r = subprocess.run([flowc, "check", flow], capture_output=True, text=True, timeout=60,
                               cwd=work)
        if r.returncode != 0:
            failures += 1
            print(f"FAIL: snippet {name!r} expands to flow that does not check:\n{text}\n"
                  f"{r.stdout}{r.stderr}")
    if failures:
        print(f"{failures} of {len(snippets)} snippet(s) failed")
        return 1
    print(f"snippets ok: {len(snippets)} expand to flow that checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())

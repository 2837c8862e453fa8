#!/usr/bin/env python3
"""The standard library's backend pipeline end to end on the real Claude Code CLI against the
fake API: every review passes, three implementers write one file each inside their `writes`,
and the checks read what each agent was offered and what landed on disk.

usage: claude_stdlib_test.py PATH/TO/flow PATH/TO/claude PATH/TO/stdlib
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claude_harness import FakeApi, system_text, tool_names  # noqa: E402
from flowtest import stdlib_agent  # noqa: E402

FLOW, CLAUDE, STDLIB = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []

WRITERS = {  # agent file → a file inside its `writes` (std/backend-team)
    "backend-feature-implementer": "backend/src/feature.py",
    "backend-cli-implementer": "backend/cli/main.py",
    "backend-datatypes": "backend/datatypes/types.py",
}


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def agent_file(name):
    return stdlib_agent(STDLIB, name)


def main():
    if not os.access(CLAUDE, os.X_OK):
        print(f"FAIL: no Claude Code CLI at {CLAUDE}; run scripts/setup to install it")
        return 1
    work = tempfile.mkdtemp(prefix="flow-claude-stdlib-")
    review_marker, _ = agent_file("code-review")
    rules = [{"system": review_marker, "conversations": [[[{"text": "Fine.\nVERDICT: PASS"}]]]}]
    # The planner chooses the research topics (ITEM lines); validation ends with its verdict.
    rules.append({"system": agent_file("backend-planner")[0], "conversations": [[[
        {"text": "Research these:\nITEM: data storage\nITEM: API design"}]]]})
    rules.append({"system": agent_file("backend-validation-agent")[0], "conversations": [[[
        {"text": "All acceptance checks pass.\nVERDICT: PASS"}]]]})
    for name, rel in WRITERS.items():
        marker, _ = agent_file(name)
        rules.append({"system": marker, "conversations": [[
            [{"tool": "Write", "input": {"file_path": os.path.join(work, rel), "content": "x = 1\n"}}],
            [{"text": f"Wrote {rel}."}]]]})
    api = FakeApi(rules)
    try:
        with open(os.path.join(work, "flow.yaml"), "w") as f:
            f.write(f"default_backend: claude\nbackends:\n  claude: {{ program: {CLAUDE}, timeout: 120 }}\n")
        r = subprocess.run([FLOW, "run", os.path.join(STDLIB, "backend.flow"), "--yes", "--jobs", "4",
                            "--input", "feature=an export endpoint"],
                           cwd=work, env=api.env, capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        check(r.returncode == 0, f"the pipeline succeeds: {r.stdout[-3000:]}\n{r.stderr}")
        for rel in WRITERS.values():
            check(os.path.exists(os.path.join(work, rel)), f"{rel} was written")
        files = sorted(os.path.relpath(os.path.join(d, f), work)
                       for d, _, fs in os.walk(work) if not d.startswith(os.path.join(work, ".flow"))
                       for f in fs)
        check(files == sorted(["flow.yaml", *WRITERS.values()]), f"nothing else was written: {files}")
        bodies = api.messages()
        for name in sorted(os.listdir(os.path.join(STDLIB, "agents"))):
            marker, tools = agent_file(name[:-3])
            seen = [b for b in bodies if marker in system_text(b)]
            if not seen:
                continue
            # Claude Code 2.1.330 has no MultiEdit tool (Edit does its work) and leaves out of
            # --tools the names it does not know.
            tools = [t for t in tools if t != "MultiEdit"]
            check(all(tool_names(b) == tools for b in seen),
                  f"{name[:-3]} is offered exactly {tools}: {tool_names(seen[0])}")
        planner = [b for b in bodies if agent_file("backend-planner")[0] in system_text(b)]
        check(len(planner) == 2 and all("Write" not in tool_names(b) for b in planner),
              "the planner ran twice (choosing the topics, then the plan), with no writing tool")
        check("cost: $" in r.stdout, "the summary prints the run's cost")
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

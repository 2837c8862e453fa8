#!/usr/bin/env python3
"""Runs the tutorial's "Run with Claude Code" section as written: its flow.yaml, its flow file
and its commands, with the real Claude Code CLI (installed by scripts/setup) on the PATH and a
fake Anthropic API on 127.0.0.1 (tests/runtime/fake_anthropic.py) in place of the real one.

usage: tutorial_claude_test.py PATH/TO/flow PATH/TO/claude PATH/TO/docs/tutorial.md
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "runtime"))
from claude_harness import FakeApi, for_agent, tool_names  # noqa: E402

FLOW, CLAUDE, TUTORIAL = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def section_blocks():
    text = open(TUTORIAL, encoding="utf-8").read()
    start = text.index("## 10. Run with Claude Code")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```(\w+)\n(.*?)```", text[start:end], re.S)


def main():
    if not os.access(CLAUDE, os.X_OK):
        print(f"FAIL: no Claude Code CLI at {CLAUDE}; run scripts/setup to install it")
        return 1
    blocks = section_blocks()
    kinds = [k for k, _ in blocks]
    check(kinds == ["sh", "yaml", "flow", "sh"], f"the section's blocks: {kinds}")
    if failures:
        return 1
    install, config, flow_text, commands = (b for _, b in blocks)
    check("claude --version" in install, "the section shows how to check the installed version")
    work = tempfile.mkdtemp(prefix="flow-tutorial-claude-")
    api = None
    try:
        name = re.search(r"Create `([\w.-]+\.flow)`", open(TUTORIAL).read()[
            open(TUTORIAL).read().index("## 10. Run with Claude Code"):]).group(1)
        with open(os.path.join(work, "flow.yaml"), "w") as f:
            f.write(config)
        with open(os.path.join(work, name), "w") as f:
            f.write(flow_text)
        note = os.path.join(work, "notes", "topic.md")
        api = FakeApi([
            {"system": "Write a short note", "conversations": [[
                [{"tool": "Write", "input": {"file_path": note, "content": "# Commit messages\n"}}],
                [{"text": "Wrote notes/topic.md."}]]]},
            {"system": "judge whether it is accurate", "conversations": [[
                [{"text": "Accurate and short.\nVERDICT: PASS"}]]]}])
        env = dict(api.env)
        env["PATH"] = os.path.dirname(CLAUDE) + os.pathsep + os.path.dirname(FLOW) + os.pathsep + env["PATH"]
        r = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=work, env=env,
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        check(r.returncode == 0, f"the section's commands run: {r.stdout}\n{r.stderr}")
        check(os.path.exists(note), "the writer's note landed in notes/")
        out = r.stdout
        doc = json.loads(out[out.index("\n{") + 1:]) if "\n{" in out else {}
        check(doc.get("status") == "succeeded", f"flow show --json says succeeded: {doc.get('status')}")
        check(doc.get("total", {}).get("cost_usd", 0) > 0, f"the run's cost is shown: {doc.get('total')}")
        writer = for_agent(api, "Write a short note")
        check(len(writer) == 2 and tool_names(writer[0]) == ["Read", "Write"],
              f"the writer is offered Read and Write: {[tool_names(w) for w in writer]}")
        check(bool(writer) and "sonnet" in writer[0]["model"], "the writer runs on sonnet")
    finally:
        if api:
            api.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

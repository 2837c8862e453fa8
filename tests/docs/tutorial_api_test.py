#!/usr/bin/env python3
"""Runs the tutorial's "Run with an API key" and "Run with a local model" sections as written:
their flow.yaml files and commands, with the section "Run with Claude Code"'s notes.flow, against
the fake model API on 127.0.0.1 (tests/runtime/fake_model_api.py). The API key section gets
ANTHROPIC_BASE_URL and a dummy ANTHROPIC_API_KEY, as a user's shell would have the key; the
local section's server listens where its flow.yaml says, port 11434.

usage: tutorial_api_test.py PATH/TO/flow PATH/TO/docs/tutorial.md
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
from api_harness import FakeModelApi, body_of, holding, system_text, tool_names  # noqa: E402
from flowtest import check, failures  # noqa: E402

FLOW, TUTORIAL = (os.path.abspath(a) for a in sys.argv[1:3])
KEY = "sk-ant-tutorial-SECRET-0b7e"


def section(title):
    text = open(TUTORIAL, encoding="utf-8").read()
    start = text.index(title)
    end = text.index("\n## ", start + 1)
    return re.findall(r"```(\w+)\n(.*?)```", text[start:end], re.S)


def script():
    writer = [{"tool_calls": [{"name": "Write", "input": {"file_path": "notes/topic.md",
                                                          "content": "# Commit messages\n"}}],
               "usage": {"input_tokens": 1200, "output_tokens": 80}},
              {"text": "Wrote notes/topic.md.", "usage": {"input_tokens": 1300, "output_tokens": 20}}]
    return {"rules": [{"contains": ["Write a short note"], "replies": writer},
                      {"contains": ["judge whether it is accurate"],
                       "replies": [{"text": "Accurate and short.\nVERDICT: PASS",
                                    "usage": {"input_tokens": 900, "output_tokens": 30}}]}],
            "default": {"text": "unexpected request", "status": 500}}


def run(commands, work, env):
    return subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def setup(work, config):
    flows = [b for k, b in section("## 10. Run with Claude Code") if k == "flow"]
    with open(os.path.join(work, "notes.flow"), "w") as f:
        f.write(flows[0])
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write(config)


def api_key_section():
    blocks = section("## 11. Run with an API key")
    kinds = [k for k, _ in blocks]
    check(kinds == ["sh", "yaml", "sh", "sh"], f"the API key section's blocks: {kinds}")
    if failures:
        return
    export, config, first, replay = (b for _, b in blocks)
    check("export ANTHROPIC_API_KEY=" in export, "the section says how to give the key")
    work = tempfile.mkdtemp(prefix="flow-tutorial-api-")
    server = FakeModelApi(script())
    try:
        setup(work, config)
        env = dict(os.environ, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=server.url("anthropic"),
                   PATH=os.path.dirname(FLOW) + os.pathsep + os.environ.get("PATH", ""))
        r = run(first, work, env)
        check(r.returncode == 0, f"the run and `flow show` succeed: {r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        check(os.path.exists(os.path.join(work, "notes", "topic.md")), "the writer's note landed in notes/")
        check("$0.0" in r.stdout, f"the summary shows the cost: {r.stdout[-1500:]}")
        bodies = [body_of(e) for e in server.requests()]
        writer = [b for b in bodies if "Write a short note" in system_text(b, "anthropic")]
        check(len(writer) == 2 and tool_names(writer[0], "anthropic") == ["Read", "Write"],
              f"the writer is offered Read and Write: {[tool_names(b, 'anthropic') for b in writer]}")
        check(bool(writer) and writer[0].get("model") == "claude-sonnet-4-5", "the writer runs on claude-sonnet-4-5")
        server.close()
        r = run(replay, work, env)
        check(r.returncode == 0, f"the replay succeeds with the server stopped: {r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        check(os.path.exists(os.path.join(work, "notes", "topic.md")), "the replayed writer wrote the note again")
        check(holding(work, KEY) == [], f"the key is in no file: {holding(work, KEY)}")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


def local_section():
    blocks = section("## 12. Run with a local model")
    kinds = [k for k, _ in blocks]
    check(kinds == ["sh", "yaml", "sh"], f"the local model section's blocks: {kinds}")
    if failures:
        return
    _, config, commands = (b for _, b in blocks)
    port = int(re.search(r"127\.0\.0\.1:(\d+)/v1", config).group(1))
    work = tempfile.mkdtemp(prefix="flow-tutorial-local-")
    try:
        server = FakeModelApi(script(), port=port)
    except RuntimeError as e:
        check(False, f"the fake server cannot listen on port {port}, where the section's flow.yaml "
                     f"points (is a model server running there?): {e}")
        return
    try:
        setup(work, config)
        env = dict(os.environ, PATH=os.path.dirname(FLOW) + os.pathsep + os.environ.get("PATH", ""))
        env.pop("OPENAI_API_KEY", None)
        r = run(commands, work, env)
        check(r.returncode == 0, f"the run and `flow show` succeed: {r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        check(os.path.exists(os.path.join(work, "notes", "topic.md")), "the writer's note landed in notes/")
        bodies = [body_of(e) for e in server.requests()]
        check(bodies and all(b.get("model") == "qwen2.5-coder:7b" for b in bodies),
              "every request names the local model")
        runs = os.path.join(work, ".flow", "runs")
        with open(os.path.join(runs, sorted(os.listdir(runs))[-1], "events.jsonl")) as f:
            attempts = [json.loads(line) for line in f if '"attempt"' in line]
        attempts = [e for e in attempts if e.get("event") == "attempt"]
        check(attempts and all(e.get("cost_usd") == 0 and e.get("input_tokens", 0) > 0 for e in attempts),
              f"tokens counted, cost 0 from the section's prices: {attempts}")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    api_key_section()
    local_section()
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

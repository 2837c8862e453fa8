#!/usr/bin/env python3
"""The `claude` backend end to end: `flow run` drives the real Claude Code CLI (installed by
scripts/setup) against fake_anthropic.py on 127.0.0.1, and the checks read what the CLI sent
to the API: the model, the tools offered, the system prompt, the user message, and what the
scripted tool calls did to the working tree.

usage: claude_test.py PATH/TO/flow PATH/TO/claude
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claude_harness import FakeApi, for_agent, system_text, tool_names, user_text  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
CLAUDE = os.path.abspath(sys.argv[2])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def project(flow_text, extra_config=""):
    """A fresh working directory with the flow and a flow.yaml that runs every agent on claude."""
    work = tempfile.mkdtemp(prefix="flow-claude-")
    with open(os.path.join(work, "demo.flow"), "w", encoding="utf-8") as f:
        f.write(flow_text)
    with open(os.path.join(work, "flow.yaml"), "w", encoding="utf-8") as f:
        f.write(f"default_backend: claude\nbackends:\n  claude:\n    program: {CLAUDE}\n"
                f"    timeout: 120\n{extra_config}")
    return work


def flow(api, work, *args):
    env = dict(api.env)
    return subprocess.run([FLOW, *args], cwd=work, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


def show_json(api, work):
    root = os.path.join(work, ".flow", "runs")
    run = sorted(os.listdir(root))[-1]
    r = flow(api, work, "show", run, "--json")
    check(r.returncode == 0, f"flow show --json exits 0: {r.stderr}")
    return json.loads(r.stdout)


def default_model(api):
    """The model the CLI picks when it is given none, from one direct `claude -p` call."""
    work = tempfile.mkdtemp(prefix="flow-claude-direct-")
    try:
        r = subprocess.run([CLAUDE, "-p", "--output-format", "stream-json", "--verbose",
                            "--system-prompt", "You are the direct probe."],
                           cwd=work, env=api.env, input="hello", capture_output=True, text=True,
                           timeout=120)
        check(r.returncode == 0, f"a direct claude -p call through the fake API works: {r.stderr}")
        result = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")][-1]
        check(result.get("type") == "result" and result.get("result") == "ok",
              f"the direct call's result is the fake API's answer: {result}")
        bodies = for_agent(api, "You are the direct probe.")
        check(len(bodies) == 1, "the direct call sent one request")
        return bodies[0]["model"] if bodies else None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_model_tools_prompt():
    """The model, tools and system prompt the API sees are the agent's."""
    api = FakeApi([])
    work = project('''flow pick "model, tools and prompt"
input topic: text "what to look at"
agent reader <
  description "reads"
  model sonnet
  tools Read, Grep
  prompt "You are the reader agent."
>
agent inheritor <
  description "inherits the model"
  model inherit
  prompt "You are the inheritor agent."
>
agent plain <
  description "names no model"
  tools Read
  prompt "You are the plain agent."
>
agent mute <
  description "may use no tool"
  tools []
  prompt "You are the mute agent."
>
stage look parallel < reader; inheritor; plain; mute >
''', "models:\n  sonnet: { model: claude-sonnet-4-5 }\n")
    try:
        default = default_model(api)
        r = flow(api, work, "run", "demo.flow", "--input", "topic=the parser")
        check(r.returncode == 0, f"the run succeeds: {r.stdout}\n{r.stderr}")
        reader = for_agent(api, "You are the reader agent.")
        inheritor = for_agent(api, "You are the inheritor agent.")
        plain = for_agent(api, "You are the plain agent.")
        check(len(reader) == 1 and len(inheritor) == 1 and len(plain) == 1,
              f"one request per agent: {len(reader)}, {len(inheritor)}, {len(plain)}")
        if reader and inheritor and plain:
            check(reader[0]["model"] == "claude-sonnet-4-5",
                  f"the reader's model, mapped by models:, is sent: {reader[0]['model']}")
            check(inheritor[0]["model"] == default,
                  f"`inherit` sends the CLI's default model {default}: {inheritor[0]['model']}")
            check(plain[0]["model"] == default,
                  f"no model sends the CLI's default {default}: {plain[0]['model']}")
            check(tool_names(reader[0]) == ["Grep", "Read"],
                  f"the reader is offered exactly Read and Grep: {tool_names(reader[0])}")
            check(tool_names(plain[0]) == ["Read"], f"plain gets Read only: {tool_names(plain[0])}")
            mute = for_agent(api, "You are the mute agent.")
            check(len(mute) == 1 and tool_names(mute[0]) == [],
                  f"`tools []` offers no tool: {[tool_names(m) for m in mute]}")
            check({"Bash", "Write", "Read"} <= set(tool_names(inheritor[0])),
                  f"an agent without tools gets the CLI's default set: {tool_names(inheritor[0])}")
            check("You are the reader agent." in system_text(reader[0]),
                  "the agent's prompt is in the system prompt")
            user = user_text(reader[0])
            check("the parser" in user and "You are the reader agent." not in user,
                  f"the user message holds the inputs, not the agent's prompt: {user[:300]!r}")
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)


WRITER = '''flow write "a scoped writer"
agent writer <
  description "writes inside allowed/"
  tools Read, Write, Edit, Bash
  writes "allowed/**"
  prompt "You are the writer agent."
>
stage build writer
'''


def test_write_inside_scope():
    work = project(WRITER)
    api = FakeApi([{"system": "You are the writer agent.", "conversations": [[
        [{"tool": "Write", "input": {"file_path": os.path.join(work, "allowed", "x.txt"),
                                     "content": "inside\n"}}],
        [{"text": "Wrote allowed/x.txt."}]]]}])
    try:
        r = flow(api, work, "run", "demo.flow")
        check(r.returncode == 0, f"a write inside the scope succeeds: {r.stdout}\n{r.stderr}")
        path = os.path.join(work, "allowed", "x.txt")
        check(os.path.exists(path) and open(path).read() == "inside\n", "allowed/x.txt was written")
        doc = show_json(api, work)
        step = [s for s in doc["steps"] if s["step"] == "writer"]
        check(len(step) == 1 and "usage" in step[0], f"the step has usage in show --json: {step}")
        if step and "usage" in step[0]:
            u = step[0]["usage"]
            requests = len(for_agent(api, "You are the writer agent."))
            check(requests == 2, f"two turns, two requests: {requests}")
            check(u["input_tokens"] == 120 * requests and u["output_tokens"] == 30 * requests and
                  u["cache_read_tokens"] == 40 * requests and
                  u["cache_creation_tokens"] == 10 * requests,
                  f"tokens are the fake API's usage summed over the turns: {u}")
            check(u["cost_usd"] > 0 and u["turns"] == 2, f"cost and turns are kept: {u}")
            check(doc["total"]["cost_usd"] == u["cost_usd"] and
                  doc["agents"]["writer"]["cost_usd"] == u["cost_usd"],
                  f"per agent and per run totals: {doc['total']} {doc['agents']}")
        check("cost: $" in r.stdout, f"the summary prints the cost: {r.stdout}")
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)


def test_write_outside_scope_refused():
    work = project(WRITER)
    outside = os.path.join(work, "outside", "y.txt")
    api = FakeApi([{"system": "You are the writer agent.", "conversations": [[
        [{"tool": "Write", "input": {"file_path": outside, "content": "stray\n"}}],
        [{"text": "Done."}]]]}])
    try:
        r = flow(api, work, "run", "demo.flow")
        check(r.returncode == 1, f"a write outside the scope fails the run: {r.returncode}")
        check(not os.path.exists(outside), "the file outside the scope was not written")
        check("Write outside/y.txt" in r.stdout and "refused" in r.stdout,
              f"the error names the refused file: {r.stdout}\n{r.stderr}")
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)


def bash_writes_outside(extra_env):
    """A writer scoped to allowed/** whose Bash tool writes sneaky.txt: the run's result."""
    work = project(WRITER)
    api = FakeApi([{"system": "You are the writer agent.", "conversations": [[
        [{"tool": "Bash", "input": {"command": "echo sneaky > sneaky.txt",
                                    "description": "write a file"}}],
        [{"text": "Done."}]]]}])
    api.env.update(extra_env)
    try:
        r = flow(api, work, "run", "demo.flow")
        return r, os.path.exists(os.path.join(work, "sneaky.txt")), show_json(api, work)
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)


def test_bash_write_outside_scope_refused_by_the_kernel():
    """Bash is not bound by Edit rules, but the kernel (Landlock) confines the CLI and all it
    starts: the write fails with EACCES and the step fails naming the file."""
    r, written, _ = bash_writes_outside({})
    out = r.stdout + r.stderr
    check(not written, "the kernel kept Bash from writing sneaky.txt")
    check(r.returncode == 1, f"a refused write fails the step: {r.returncode}\n{out}")
    check("the kernel refused a write to sneaky.txt, outside the write scope of `writer` "
          "(writes allowed/**)" in out, f"the failure names the file: {out}")
    check("refused writer: a write to sneaky.txt (outside the agent's writes; refused by the kernel)"
          in out, f"and the run's output shows the refusal as it happens: {out}")


def test_bash_write_outside_scope_caught_without_landlock():
    """Without Landlock the working-tree check after the step catches the same write."""
    r, written, _ = bash_writes_outside({"FLOW_LANDLOCK": "off"})
    out = r.stdout + r.stderr
    check(written, "without Landlock Bash did write sneaky.txt")
    check(r.returncode == 1, f"a change outside the scope fails the step: {r.returncode}")
    check("sneaky.txt" in out and "outside the write scope" in out, f"the error lists the file: {out}")
    check("not enforced by the kernel: FLOW_LANDLOCK=off" in out, f"and says it is not enforced: {out}")


def test_review_sends_work_back():
    work = project('''flow loop "a review loop"
agent writer <
  description "drafts"
  tools Read
  prompt "You are the drafting agent."
>
agent critic <
  description "reviews"
  role reviewer
  tools Read
  prompt "You are the critic agent."
>
stage draft writer review critic retries 1
''')
    api = FakeApi([
        {"system": "You are the critic agent.", "conversations": [
            [[{"text": "The draft lacks a title.\nVERDICT: FAIL"}]],
            [[{"text": "Good now.\nVERDICT: PASS"}]]]},
        {"system": "You are the drafting agent.", "conversations": [
            [[{"text": "draft one"}]], [[{"text": "# Title\ndraft two"}]]]}])
    try:
        r = flow(api, work, "run", "demo.flow")
        check(r.returncode == 0, f"the loop ends with a pass: {r.stdout}\n{r.stderr}")
        drafts = for_agent(api, "You are the drafting agent.")
        check(len(drafts) == 2, f"the writer ran twice: {len(drafts)}")
        if len(drafts) == 2:
            check("lacks a title" not in user_text(drafts[0]), "the first attempt has no feedback")
            check("The draft lacks a title." in user_text(drafts[1]),
                  "the second attempt carries the reviewer's feedback")
        reviews = for_agent(api, "You are the critic agent.")
        check(len(reviews) == 2 and "draft two" in user_text(reviews[-1]),
              "the second review sees the second draft")
        check(tool_names(reviews[0]) == ["Read"] if reviews else False, "the reviewer gets its tools")
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)


def test_old_version_refused():
    work = project(WRITER)
    fake = os.path.join(work, "old-claude")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\necho '1.0.3 (Claude Code)'\n")
    os.chmod(fake, 0o755)
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write(f"default_backend: claude\nbackends:\n  claude: {{ program: {fake} }}\n")
    api = FakeApi([])
    try:
        r = flow(api, work, "run", "demo.flow")
        check(r.returncode == 2, f"an old CLI stops the run before it starts: {r.returncode}")
        check("1.0.3" in r.stderr and "2.1.330 or newer" in r.stderr,
              f"the message names both versions: {r.stderr}")
        check(not os.path.exists(os.path.join(work, ".flow")), "no run was started")
        check(api.requests() == [], "nothing reached the API")
    finally:
        api.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    if not os.access(CLAUDE, os.X_OK):
        print(f"FAIL: no Claude Code CLI at {CLAUDE}; run scripts/setup to install it")
        return 1
    for test in (test_model_tools_prompt, test_write_inside_scope, test_write_outside_scope_refused,
                 test_bash_write_outside_scope_refused_by_the_kernel,
                 test_bash_write_outside_scope_caught_without_landlock, test_review_sends_work_back,
                 test_old_version_refused):
        print(f"-- {test.__name__}", flush=True)
        test()
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The standard library's backend pipeline end to end on the `anthropic` and then the `openai`
backend, against the fake model API on 127.0.0.1: every review passes, three implementers
write one file each inside their `writes` (one also tries to write outside it and is refused),
one request is answered 429 first. Checks what each agent was offered, what landed on disk,
the events and the cost.

usage: api_stdlib_test.py PATH/TO/flow PATH/TO/stdlib
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_harness import FakeModelApi, body_of, holding, system_text, tool_names  # noqa: E402
from flowtest import check, failures, stdlib_agent  # noqa: E402

FLOW, STDLIB = (os.path.abspath(a) for a in sys.argv[1:3])
KEY = "sk-test-SECRET-stdlib-91c3"
BUILTIN = {"Read", "Write", "Edit", "Glob", "Grep", "Bash"}
WRITERS = {  # agent file → a file inside its `writes` (std/backend-team)
    "backend-feature-implementer": "backend/src/feature.py",
    "backend-cli-implementer": "backend/cli/main.py",
    "backend-datatypes": "backend/datatypes/types.py",
}
MODELS = {"anthropic": ("claude-opus-4-6", "claude-sonnet-4-5"), "openai": ("gpt-4.1", "gpt-4.1-mini")}
USAGE = {"input_tokens": 50, "output_tokens": 10}


def agent_file(name):
    return stdlib_agent(STDLIB, name)


def script():
    review, _ = agent_file("code-review")
    rules = [{"contains": [review], "replies": [{"text": "Fine.\nVERDICT: PASS", "usage": USAGE}]}]
    # The planner chooses the research topics (ITEM lines); validation ends with its verdict.
    planner, _ = agent_file("backend-planner")
    rules.append({"contains": [planner], "replies": [
        {"text": "Research these:\nITEM: data storage\nITEM: API design", "usage": USAGE}]})
    validation, _ = agent_file("backend-validation-agent")
    rules.append({"contains": [validation], "replies": [
        {"text": "All acceptance checks pass.\nVERDICT: PASS", "usage": USAGE}]})
    for name, rel in WRITERS.items():
        marker, _ = agent_file(name)
        replies = [{"tool_calls": [{"name": "Write", "input": {"file_path": rel, "content": "x = 1\n"}}],
                    "usage": USAGE}]
        if name == "backend-feature-implementer":  # outside its writes: refused
            replies.append({"tool_calls": [{"name": "Write", "input": {"file_path": "backend/cli/evil.py",
                                                                       "content": "x = 2\n"}}], "usage": USAGE})
        if name == "backend-datatypes":
            replies.insert(0, {"status": 429, "headers": {"retry-after": "0"}, "error_message": "busy"})
        replies.append({"text": f"Wrote {rel}.", "usage": USAGE})
        rules.append({"contains": [marker], "replies": replies})
    return {"rules": rules, "default": {"text": "Done: the work is described here.", "usage": USAGE}}


def run_api(api):
    work = tempfile.mkdtemp(prefix=f"flow-api-stdlib-{api}-")
    server = FakeModelApi(script())
    try:
        big, small = MODELS[api]
        with open(os.path.join(work, "flow.yaml"), "w") as f:
            f.write(f"default_backend: api\nbackends:\n  api: {{ type: {api}, base_url: \"{server.url(api)}\", "
                    f"api_key_env: FLOWTEST_KEY, retry_delay: 0.05 }}\n"
                    f"models:\n  opus: {{ model: {big} }}\n  sonnet: {{ model: {small} }}\n")
        env = dict(os.environ, FLOWTEST_KEY=KEY)
        r = subprocess.run([FLOW, "run", os.path.join(STDLIB, "backend.flow"), "--yes", "--jobs", "4",
                            "--input", "feature=an export endpoint"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        check(r.returncode == 0, f"{api}: the pipeline succeeds: {r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        for rel in WRITERS.values():
            check(os.path.exists(os.path.join(work, rel)), f"{api}: {rel} was written")
        files = sorted(os.path.relpath(p, work) for d, _, fs in os.walk(work)
                       if not d.startswith(os.path.join(work, ".flow")) for p in (os.path.join(d, f) for f in fs))
        check(files == sorted(["flow.yaml", *WRITERS.values()]), f"{api}: nothing else was written: {files}")
        bodies = [body_of(e) for e in server.requests()]
        for name in sorted(os.listdir(os.path.join(STDLIB, "agents"))):
            marker, tools = agent_file(name[:-3])
            seen = [b for b in bodies if marker in system_text(b, api)]
            if not seen:
                continue
            want = sorted(t for t in (tools or BUILTIN) if t in BUILTIN)
            check(all(tool_names(b, api) == want for b in seen),
                  f"{api}: {name[:-3]} is offered exactly {want}: {tool_names(seen[0], api)}")
        runs = os.path.join(work, ".flow", "runs")
        run_dir = os.path.join(runs, sorted(os.listdir(runs))[-1])
        with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
            evs = [json.loads(line) for line in f if line.strip()]
        refused = [e for e in evs if e["event"] == "write_refused"]
        check(len(refused) == 1 and refused[0].get("step") == "backend-feature-implementer",
              f"{api}: the write outside the implementer's scope was refused: {refused}")
        check(any(e["event"] == "api_retry" and e.get("status") == 429 for e in evs), f"{api}: the 429 was retried")
        unavailable = {e.get("agent"): e.get("tools") for e in evs if e["event"] == "tools_unavailable"}
        check(unavailable.get("backend-tech-research-advisor") == ["WebSearch", "WebFetch"],
              f"{api}: the research advisor's web tools are reported unavailable: {unavailable}")
        attempts = [e for e in evs if e["event"] == "attempt" and e.get("kind") in ("agent", "review")]
        check(attempts and all(e.get("cost_usd", 0) > 0 and e.get("input_tokens", 0) > 0 for e in attempts),
              f"{api}: every call has tokens and a cost")
        check("cost: $" in r.stdout, f"{api}: the summary prints the run's cost")
        check(holding(work, KEY) == [] and KEY not in r.stdout + r.stderr, f"{api}: the key is nowhere")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    for api in ("anthropic", "openai"):
        run_api(api)
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The `anthropic` and `openai` backends end to end, against the fake model API on 127.0.0.1:
a writer with Read, Write and Bash under a write scope and a reviewer, through each API.
The writer's model first gets a 429, then asks to write inside its scope, outside it, to read
../../etc/passwd and to run a shell command, then answers. Checks what landed on disk, the
events, what the model was sent back, tokens and cost in events and `flow show`, record and
replay with the server stopped, a replay of a request never recorded, and that the API key is
nowhere in the run directory, the recordings or the output. Ctrl-C during a hanging request
ends the run at once.

usage: api_test.py PATH/TO/flow
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_harness import FakeModelApi, body_of, holding, system_text, tool_results  # noqa: E402
from flowtest import check, failures  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
KEY = "sk-test-SECRET-4f9d2c7be1"

FLOW_TEXT = """flow apidemo "A writer and a reviewer on a model API"

input topic: text "What to write about"

agent writer <
  description "Writes files under out/"
  model sonnet
  tools Read, Write, Bash
  writes "out/**"
  prompt "MARK-WRITER Write the files about the topic."
>

agent checker <
  description "Checks the files"
  role reviewer
  model haiku
  tools Read
  prompt "MARK-CHECKER Judge the files."
>

stage write writer review checker retries 1
"""

MODELS = {"anthropic": ("claude-sonnet-4-5", "claude-haiku-4-5", 3.0, 15.0, 1.0, 5.0),
          "openai": ("gpt-4.1", "gpt-4.1-mini", 2.0, 8.0, 0.40, 1.60)}
USAGE = {"input_tokens": 100, "output_tokens": 20}


def script(work):
    writer = [
        {"status": 429, "headers": {"retry-after": "0"}, "error_message": "slow down"},
        {"tool_calls": [{"name": "Write", "input": {"file_path": "out/a.txt", "content": "inside\n"}}],
         "usage": USAGE},
        {"tool_calls": [{"name": "Write", "input": {"file_path": os.path.join(work, "outside.txt"),
                                                    "content": "outside\n"}}], "usage": USAGE},
        {"tool_calls": [{"name": "Read", "input": {"file_path": "../../etc/passwd"}}], "usage": USAGE},
        {"tool_calls": [{"name": "Bash", "input": {"command": "echo ran > out/bash.txt"}}], "usage": USAGE},
        {"text": "Wrote out/a.txt and out/bash.txt.", "usage": USAGE},
    ]
    return {"rules": [{"contains": ["MARK-WRITER"], "replies": writer},
                      {"contains": ["MARK-CHECKER"],
                       "replies": [{"text": "Fine.\nVERDICT: PASS", "usage": USAGE}]}],
            "default": {"text": "unexpected request", "status": 500}}


def config(api, url):
    big, small = MODELS[api][:2]
    return (f"default_backend: api\nbackends:\n  api:\n    type: {api}\n    base_url: \"{url}\"\n"
            f"    retry_delay: 0.05\n    api_key_env: FLOWTEST_KEY\n"
            f"models:\n  sonnet: {{ model: {big} }}\n  haiku: {{ model: {small} }}\n")


def flow(work, *args, env=None):
    return subprocess.run([FLOW, *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def events(work):
    runs = os.path.join(work, ".flow", "runs")
    run = sorted(os.listdir(runs))[-1]
    with open(os.path.join(runs, run, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def check_run(api, work, server, r):
    big, small, pin, pout, sin, sout = MODELS[api]
    check(r.returncode == 0, f"{api}: the run succeeds: {r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    check(open(os.path.join(work, "out", "a.txt")).read() == "inside\n" if os.path.exists(
        os.path.join(work, "out", "a.txt")) else False, f"{api}: the Write inside the scope landed")
    check(os.path.exists(os.path.join(work, "out", "bash.txt")), f"{api}: the Bash command ran")
    check(not os.path.exists(os.path.join(work, "outside.txt")), f"{api}: the Write outside was refused")
    evs = events(work)
    refused = [e for e in evs if e["event"] == "write_refused"]
    check(len(refused) == 1 and refused[0].get("step") == "writer" and "outside.txt" in refused[0].get("path", ""),
          f"{api}: one write_refused event for the writer: {refused}")
    retries = [e for e in evs if e["event"] == "api_retry"]
    check(len(retries) == 1 and retries[0].get("status") == 429, f"{api}: one api_retry event for the 429: {retries}")
    writer = [e for e in evs if e["event"] == "attempt" and e.get("step") == "writer"]
    check(len(writer) == 1 and writer[0].get("input_tokens") == 500 and writer[0].get("output_tokens") == 100
          and writer[0].get("turns") == 5, f"{api}: the writer's tokens summed over 5 requests: {writer}")
    want = (500 * pin + 100 * pout) / 1e6
    check(bool(writer) and abs(writer[0].get("cost_usd", -1) - want) < 1e-9,
          f"{api}: the writer's cost from the price table, {want}: {writer}")
    bodies = [(body_of(e), e) for e in server.requests()]
    writes = [b for b, _ in bodies if "MARK-WRITER" in system_text(b, api)]
    check(len(writes) == 6, f"{api}: the writer sent 6 requests (one retried): {len(writes)}")
    results = tool_results(writes[-1], api) if writes else []
    check(len(results) == 4, f"{api}: the last request carries 4 tool results: {results}")
    if len(results) == 4:
        outside, passwd = results[1], results[2]
        check(outside[1] is True, f"{api}: the refused write came back as an error: {outside}")
        check(results[0][1] is False and results[3][1] is False, f"{api}: the Write inside and Bash succeeded: {results}")
        check("root:" not in passwd[0] and passwd[1] is True, f"{api}: reading ../../etc/passwd was refused: {passwd}")
    check(all(KEY in json.dumps(e) for _, e in bodies), f"{api}: every request carried the key")
    return evs


def check_show(api, work, env):
    r = flow(work, "show", "last", env=env)
    check(r.returncode == 0 and "cost" in r.stdout and "$0.00" in r.stdout, f"{api}: flow show has the cost: {r.stdout}")
    j = flow(work, "show", "--json", "last", env=env)
    doc = json.loads(j.stdout) if j.returncode == 0 else {}
    total = doc.get("total", {})
    check(total.get("input_tokens") == 600 and total.get("cost_usd", 0) > 0,
          f"{api}: flow show --json totals: {total}")
    return r.stdout + r.stderr + j.stdout + j.stderr


def one_api(api):
    work = tempfile.mkdtemp(prefix=f"flow-api-{api}-")
    rec = os.path.join(work, "rec")
    server = FakeModelApi(script(work))
    env = dict(os.environ, FLOWTEST_KEY=KEY)
    env.pop("ANTHROPIC_BASE_URL", None)
    env.pop("OPENAI_BASE_URL", None)
    outputs = ""
    try:
        with open(os.path.join(work, "flow.yaml"), "w") as f:
            f.write(config(api, server.url(api)))
        with open(os.path.join(work, "demo.flow"), "w") as f:
            f.write(FLOW_TEXT)
        r = flow(work, "run", "demo.flow", "--input", "topic=tests", "--record", "rec", env=env)
        outputs += r.stdout + r.stderr
        check_run(api, work, server, r)
        outputs += check_show(api, work, env)
        first = flow(work, "show", "last", "writer", env=env).stdout
        server.close()
        # Replay with the server stopped and no key: the same answers, from the recordings.
        shutil.rmtree(os.path.join(work, "out"))
        env_nokey = dict(env)
        env_nokey.pop("FLOWTEST_KEY")
        r = flow(work, "run", "demo.flow", "--input", "topic=tests", "--replay", "rec", "--json", env=env_nokey)
        outputs += r.stdout + r.stderr
        check(r.returncode == 0, f"{api}: the replay succeeds with the server stopped: {r.stderr[-2000:]}")
        check(flow(work, "show", "last", "writer", env=env).stdout == first, f"{api}: the replay answers the same")
        check(os.path.exists(os.path.join(work, "out", "a.txt")), f"{api}: the replayed Write landed again")
        r = flow(work, "run", "demo.flow", "--input", "topic=something else", "--replay", "rec", env=env_nokey)
        outputs += r.stdout + r.stderr
        check(r.returncode == 1 and "no recording matches this request" in r.stdout + r.stderr,
              f"{api}: a request that was not recorded fails the replay clearly: {r.returncode} {r.stdout[-1500:]}")
        check(holding(work, KEY) == [], f"{api}: the key is in no file of the run or the recordings: {holding(work, KEY)}")
        check(KEY not in outputs, f"{api}: the key is in no output of flow")
        check(bool(os.listdir(rec)), f"{api}: --record saved the requests")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


def missing_key():
    work = tempfile.mkdtemp(prefix="flow-api-nokey-")
    try:
        with open(os.path.join(work, "flow.yaml"), "w") as f:
            f.write(config("anthropic", "http://127.0.0.1:9"))
        with open(os.path.join(work, "demo.flow"), "w") as f:
            f.write(FLOW_TEXT)
        env = dict(os.environ)
        env.pop("FLOWTEST_KEY", None)
        r = flow(work, "run", "demo.flow", "--input", "topic=x", env=env)
        check(r.returncode == 2 and "FLOWTEST_KEY" in r.stderr and "not set" in r.stderr,
              f"a missing key is a clear error before anything runs: {r.returncode} {r.stderr}")
        check(not os.path.exists(os.path.join(work, ".flow")), "no run was started without the key")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def interrupt():
    """Ctrl-C while requests hang: flow aborts them and exits 130 at once, resumable."""
    work = tempfile.mkdtemp(prefix="flow-api-interrupt-")
    server = FakeModelApi({"rules": [], "default": {"hang": True}})
    try:
        with open(os.path.join(work, "flow.yaml"), "w") as f:
            f.write(config("openai", server.url("openai")))
        with open(os.path.join(work, "demo.flow"), "w") as f:
            f.write(FLOW_TEXT)
        p = subprocess.Popen([FLOW, "run", "demo.flow", "--input", "topic=x"], cwd=work,
                             env=dict(os.environ, FLOWTEST_KEY=KEY), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.time() + 20
        while not server.requests() and time.time() < deadline:
            time.sleep(0.05)
        check(bool(server.requests()), "the hanging request was sent")
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        took = time.time() - t0
        check(p.returncode == 130 and took < 3, f"Ctrl-C ends the run at once with 130: {p.returncode} in {took:.2f} s")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    for api in ("anthropic", "openai"):
        one_api(api)
    missing_key()
    interrupt()
    print(f"{'FAILED' if failures else 'ok'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

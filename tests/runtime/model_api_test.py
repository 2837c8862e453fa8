#!/usr/bin/env python3
"""The model API client end to end: model_api_probe (ModelClient over libcurl) against the
scripted fake server fake_model_api.py on 127.0.0.1, both APIs: answers, tool calls, retries
and retry-after spacing, timeouts, malformed replies, cancellation latency, record and replay.

usage: model_api_test.py MODEL_API_PROBE FAKE_MODEL_API_PY
"""
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

from flowtest import check, failures

KEY = "sk-test-4f9c2a7e1b"
PROBE = FAKE = WORK = None


class Server:
    """The fake API on a free port with `script`; stop() kills it. With `fast` set, the
    server's asyncio mode (--fast, the benchmark's) instead of a thread per connection."""

    count = 0
    fast = False

    def __init__(self, script):
        Server.count += 1
        name = f"server{Server.count}"
        self.script = os.path.join(WORK, name + ".json")
        self.log = os.path.join(WORK, name + ".log.jsonl")
        with open(self.script, "w") as f:
            json.dump(script, f)
        self.proc = subprocess.Popen([sys.executable, FAKE, "--script", self.script,
                                      "--log", self.log] + (["--fast"] if Server.fast else []),
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def url(self, api):
        return f"http://127.0.0.1:{self.port}" + ("/v1" if api == "openai" else "")

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def probe(api, base_url, requests, *extra, key=KEY, timeout=60):
    """Runs the probe; its list of replies (or {"client_error"}) and the wall time."""
    path = os.path.join(WORK, "requests.json")
    with open(path, "w") as f:
        json.dump(requests, f)
    env = dict(os.environ, PROBE_KEY=key)
    start = time.monotonic()
    r = subprocess.run([PROBE, "--kind", api, "--base-url", base_url, "--key-env", "PROBE_KEY",
                        *extra, path], capture_output=True, text=True, env=env, timeout=timeout)
    took = time.monotonic() - start
    check(r.returncode in (0, 1), f"probe exit {r.returncode}: {r.stderr}")
    return json.loads(r.stdout), took


def user(text, **extra):
    return dict({"messages": [{"role": "user", "text": text}]}, **extra)


TOOLS = [{"name": "Write", "description": "Writes a file",
          "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}}]


def test_answers_and_tools(api):
    s = Server({"rules": [
        {"contains": ["make a file"], "not_contains": ["wrote it"],
         "replies": [{"text": "I will write.", "tool_calls": [
             {"name": "Write", "input": {"file_path": "a.txt", "content": "hi"}}]}]},
        {"contains": ["wrote it"], "replies": [{"text": "done", "usage": {
            "input_tokens": 100, "output_tokens": 7, "cache_read_tokens": 40,
            "cache_creation_tokens": 3}}]}],
        "default": {"text": "hello there"}})
    try:
        replies, _ = probe(api, s.url(api), [user("hi", system="be brief")])
        r = replies[0]
        check(r["ok"] and r["text"] == "hello there" and r["tool_calls"] == [],
              f"{api}: plain answer {r}")
        check(r["stop_reason"] == ("end_turn" if api == "anthropic" else "stop"),
              f"{api}: stop reason {r['stop_reason']}")
        replies, _ = probe(api, s.url(api), [user("make a file", tools=TOOLS)])
        r = replies[0]
        call = r["tool_calls"][0] if r["tool_calls"] else {}
        check(r["ok"] and r["text"] == "I will write." and call.get("name") == "Write" and
              json.loads(call.get("input_json", "null")) == {"file_path": "a.txt", "content": "hi"},
              f"{api}: tool call {r}")
        check(r["stop_reason"] == ("tool_use" if api == "anthropic" else "tool_calls"),
              f"{api}: tool stop reason {r['stop_reason']}")
        second = {"messages": [
            {"role": "user", "text": "make a file"},
            {"role": "assistant", "text": "I will write.", "tool_calls": [
                {"id": call.get("id"), "name": "Write", "input": {"file_path": "a.txt"}}]},
            {"role": "user", "tool_results": [{"tool_call_id": call.get("id"),
                                               "content": "wrote it", "is_error": True}]}],
            "tools": TOOLS}
        replies, _ = probe(api, s.url(api), [second])
        r = replies[0]
        check(r["ok"] and r["text"] == "done", f"{api}: answer after a tool result {r}")
        u = r["usage"]
        want_in = 100 if api == "anthropic" else 60  # OpenAI's prompt_tokens include the cached
        check(u["input_tokens"] == want_in and u["output_tokens"] == 7 and
              u["cache_read_tokens"] == 40 and
              u["cache_creation_tokens"] == (3 if api == "anthropic" else 0), f"{api}: usage {u}")
        check_wire_format(api, s.requests())
        big = "x" * (3 << 20)  # past libcurl's Expect: 100-continue threshold
        r = probe(api, s.url(api), [user(big)])[0][0]
        got = s.requests()[-1]["body"]["messages"][0]
        check(r["ok"] and r["text"] == "hello there" and big in json.dumps(got),
              f"{api}: a 3 MB request goes through whole: {r['error']}")
    finally:
        s.stop()


def check_wire_format(api, log):
    """The bodies the fake server got follow each API's format; the key went in its header."""
    first, last = log[0], log[-1]
    if api == "anthropic":
        check(first["body"].get("system") == "be brief" and first["auth"] == KEY,
              f"anthropic: system and x-api-key {first}")
        blocks = last["body"]["messages"][2]["content"]
        check(blocks[0].get("type") == "tool_result" and blocks[0].get("is_error") is True,
              f"anthropic: tool_result with is_error {blocks}")
        check(last["body"]["tools"][0].get("input_schema", {}).get("type") == "object",
              f"anthropic: tools input_schema {last['body'].get('tools')}")
    else:
        check(first["body"]["messages"][0] == {"role": "system", "content": "be brief"} and
              first["auth"] == "Bearer " + KEY, f"openai: system message and bearer {first}")
        msgs = last["body"]["messages"]
        check(msgs[1]["tool_calls"][0]["type"] == "function" and
              isinstance(msgs[1]["tool_calls"][0]["function"]["arguments"], str) and
              msgs[2]["role"] == "tool" and msgs[2]["tool_call_id"] == msgs[1]["tool_calls"][0]["id"],
              f"openai: assistant tool_calls and tool message {msgs}")
        check(last["body"]["tools"][0]["type"] == "function", "openai: tools of type function")


def test_retry_after(api):
    s = Server({"default": {"text": "x"}, "rules": [{"contains": ["busy"], "replies": [
        {"status": 429, "headers": {"retry-after": "1"}, "error_message": "slow down"},
        {"text": "now fine"}]}]})
    try:
        replies, _ = probe(api, s.url(api), [user("busy")], "--retry-delay-ms", "10")
        r = replies[0]
        times = [x["time"] for x in s.requests()]
        spacing = times[1] - times[0] if len(times) == 2 else 0
        check(r["ok"] and r["text"] == "now fine", f"{api}: 429 then success {r}")
        check(spacing >= 0.9, f"{api}: retry-after 1 honoured, spacing {spacing:.3f} s")
        check(len(r["retries"]) == 1 and r["retries"][0]["status"] == 429 and
              r["retries"][0]["delay_ms"] == 1000 and "slow down" in r["retries"][0]["reason"],
              f"{api}: the retry is reported {r['retries']}")
        print(f"{api}: retry-after 1 spacing {spacing:.3f} s")
    finally:
        s.stop()


def test_server_errors(api):
    s = Server({"default": {"text": "x"}, "rules": [
        {"contains": ["flaky"], "replies": [{"status": 500, "error_message": "oops"},
                                             {"text": "recovered"}]},
        {"contains": ["broken"], "replies": [{"status": 500, "error_message": "always down"}]},
        {"contains": ["bad request"], "replies": [{"status": 400, "error_message": "bad field"}]},
        {"contains": ["garbage"], "replies": [{"raw": "{not json"}]}]})
    try:
        r = probe(api, s.url(api), [user("flaky")], "--retry-delay-ms", "20")[0][0]
        check(r["ok"] and r["text"] == "recovered" and len(r["retries"]) == 1 and
              r["retries"][0]["status"] == 500, f"{api}: 500 then success {r}")
        before = len(s.requests())
        r = probe(api, s.url(api), [user("broken")], "--retries", "2", "--retry-delay-ms", "20")[0][0]
        tries = len(s.requests()) - before
        check(not r["ok"] and "HTTP 500" in r["error"] and "always down" in r["error"] and
              "gave up after 3 attempts" in r["error"] and len(r["retries"]) == 2 and tries == 3,
              f"{api}: persistent 500 gives up after 2 retries ({tries} attempts): {r['error']}")
        check(KEY not in r["error"], f"{api}: no key in the error")
        before = len(s.requests())
        r = probe(api, s.url(api), [user("bad request")], "--retry-delay-ms", "20")[0][0]
        check(not r["ok"] and "HTTP 400: bad field" in r["error"] and r["retries"] == [] and
              len(s.requests()) - before == 1, f"{api}: 400 fails at once: {r['error']}")
        before = len(s.requests())
        r = probe(api, s.url(api), [user("garbage")], "--retry-delay-ms", "20")[0][0]
        check(not r["ok"] and "HTTP 200 but the reply is not JSON" in r["error"] and
              "{not json" in r["error"] and len(s.requests()) - before == 1,
              f"{api}: malformed JSON fails clearly, not retried: {r['error']}")
    finally:
        s.stop()


def test_hang_timeout_and_cancel(api):
    s = Server({"default": {"hang": True}, "rules": [
        {"contains": ["wait long"], "replies": [{"status": 529, "headers": {"retry-after": "30"}}]}]})
    try:
        r, took = probe(api, s.url(api), [user("hello")], "--timeout-ms", "500", "--retries", "1",
                        "--retry-delay-ms", "10")
        r = r[0]
        check(not r["ok"] and "no answer within 500 ms" in r["error"] and
              "gave up after 2 attempts" in r["error"] and r["retries"][0]["status"] == 0,
              f"{api}: a hang hits the timeout: {r}")
        check(0.9 <= took < 5, f"{api}: two 500 ms attempts took {took:.2f} s")
        r = probe(api, s.url(api), [user("hello"), user("hello again")],
                  "--cancel-after-ms", "300")[0]
        lat = max(x.get("cancel_latency_ms", 9999) for x in r)
        check(all(x["error"] == "interrupted" for x in r), f"{api}: cancel during a hang {r}")
        check(lat < 200, f"{api}: cancelled sends return within 200 ms: {lat} ms")
        print(f"{api}: cancel latency during a hang {lat} ms")
        r = probe(api, s.url(api), [user("wait long")], "--cancel-after-ms", "300")[0][0]
        check(r["error"] == "interrupted" and r["cancel_latency_ms"] < 200,
              f"{api}: cancel during a retry-after wait: {r}")
    finally:
        s.stop()


def test_connection_reuse(api):
    """Calls one after another share one connection; a connection the server closed silently
    (its keep-alive timeout) or one whose attempt timed out is replaced, not reused broken."""
    s = Server({"default": {"text": "fine"}, "rules": [
        {"contains": ["second"], "replies": [{"text": "closing", "close": True}]},
        {"contains": ["stall"], "replies": [{"hang": True}]}]})
    try:
        asks = [user(w) for w in ("first", "second", "third", "fourth", "stall", "fifth")]
        r = probe(api, s.url(api), asks, "--sequential", "1", "--timeout-ms", "1000",
                  "--retries", "0")[0]
        conns = [e["conn"] for e in s.requests()]
        check([x["ok"] for x in r] == [True] * 4 + [False, True] and r[5]["text"] == "fine",
              f"{api}: sequential calls around a closed and a timed-out connection: {r}")
        check(len(conns) == 6 and conns[0] == conns[1] and conns[2] == conns[3] == conns[4] and
              len({conns[1], conns[2], conns[5]}) == 3,
              f"{api}: connections reused, closed ones replaced: {conns}")
        with urllib.request.urlopen(f"http://127.0.0.1:{s.port}/stats", timeout=10) as answer:
            stats = json.load(answer)
        check(stats == {"requests": 6, "connections": 4},  # the 4th: this GET's own
              f"{api}: GET /stats counts requests and connections: {stats}")
    finally:
        s.stop()


def test_connection_refused(api):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    r = probe(api, f"http://127.0.0.1:{port}", [user("hi")], "--retries", "1",
              "--retry-delay-ms", "20")[0][0]
    check(not r["ok"] and f"cannot reach the {api} API" in r["error"] and
          len(r["retries"]) == 1 and r["retries"][0]["status"] == 0,
          f"{api}: connection refused is retried, then fails: {r}")


def test_malformed_arguments():
    s = Server({"default": {"tool_calls": [{"name": "Write", "arguments": "{\"file_path\": "}]}})
    try:
        r = probe("openai", s.url("openai"), [user("x", tools=TOOLS)])[0][0]
        call = r["tool_calls"][0] if r["tool_calls"] else {}
        check(r["ok"] and call.get("input_json") == "{\"file_path\": " and
              "not valid JSON" in call.get("input_error", ""),
              f"openai: malformed arguments become a call whose input reports the error {r}")
    finally:
        s.stop()
    s = Server({"default": {"text": "hi"}})
    try:
        probe("openai", s.url("openai"), [user("x")], key="")
        check(s.requests()[0]["auth"] is None, "openai: no Authorization header without a key")
    finally:
        s.stop()


def test_reply_delay(api):
    """A reply's delay_ms holds back its answer, never less (the benchmark's waves rest on it)."""
    s = Server({"default": {"text": "late", "delay_ms": 300}})
    try:
        replies, wall = probe(api, s.url(api), [user("wait for it")])
    finally:
        s.stop()
    check(replies[0].get("ok") and replies[0].get("text") == "late" and wall >= 0.3,
          f"{api}: an answer 300 ms late came after {wall:.3f} s: {replies}")


def test_record_replay(api):
    rec = os.path.join(WORK, api + "-recordings")
    s = Server({"default": {"text": "default answer"}, "rules": [
        {"contains": ["twice"], "replies": [{"text": "first"}, {"text": "second"}]},
        {"contains": ["tool"], "replies": [{"tool_calls": [{"name": "Write", "input": {"a": 1}}]}]},
        {"contains": ["fails"], "replies": [{"status": 404, "error_message": "no such model"}]}]})
    reqs = [user("twice"), user("twice"), user("use a tool", tools=TOOLS), user("plain"),
            user("fails")]
    try:
        recorded, _ = probe(api, s.url(api), reqs, "--record", rec)
        auth = {x["auth"] for x in s.requests()}
    finally:
        s.stop()
    check(auth == {KEY if api == "anthropic" else "Bearer " + KEY},
          f"{api}: the key reached the server: {auth}")
    files = sorted(os.listdir(rec))
    check(len(files) == 5, f"{api}: one recording per request: {files}")
    for name in files:
        path = os.path.join(rec, name)
        with open(path) as f:
            text = f.read()
        check(KEY not in text, f"{api}: the key is not in {name}")
        check(stat.S_IMODE(os.stat(path).st_mode) == 0o600, f"{api}: {name} is 0600")
    replayed, _ = probe(api, "http://127.0.0.1:9", reqs, "--replay", rec)
    strip = lambda rs: sorted(json.dumps({k: v for k, v in x.items() if k != "elapsed_ms"},
                                         sort_keys=True) for x in rs)
    check(strip(recorded) == strip(replayed),
          f"{api}: replay with the server stopped gives the recorded replies\n{recorded}\n{replayed}")
    check(sorted(x["text"] for x in replayed[:2]) == ["first", "second"],
          f"{api}: identical requests replay their own answers: {replayed[:2]}")
    r = probe(api, "http://127.0.0.1:9", [user("never asked")], "--replay", rec)[0][0]
    check(not r["ok"] and "no recording matches this request" in r["error"] and
          f"recorded 5 requests in {rec}; record again with --record" in r["error"],
          f"{api}: an unrecorded request fails clearly: {r['error']}")
    s = Server({"default": {"text": "x"}})
    try:
        wrong = s.url("anthropic" if api == "openai" else "openai")  # /v1 missing or doubled
        r = probe(api, wrong, [user("x")])[0][0]
        check(not r["ok"] and "HTTP 404: 404 page not found (is the base URL right? the request "
              f"went to {wrong}/" in r["error"],
              f"{api}: a wrong base URL is named: {r['error']}")
    finally:
        s.stop()
    r = probe(api, "http://127.0.0.1:9", [user("x")], "--replay", os.path.join(WORK, "nowhere"))[0]
    check("cannot read the replay directory" in r.get("client_error", ""),
          f"{api}: a missing replay directory is refused: {r}")


def main():
    global PROBE, FAKE, WORK
    PROBE, FAKE = sys.argv[1], sys.argv[2]
    WORK = tempfile.mkdtemp(prefix="flow-model-api-")
    try:
        for api in ("anthropic", "openai"):
            test_answers_and_tools(api)
            test_retry_after(api)
            test_server_errors(api)
            test_hang_timeout_and_cancel(api)
            test_connection_refused(api)
            test_connection_reuse(api)
            test_record_replay(api)
        test_malformed_arguments()
        Server.fast = True  # the benchmark's server answers the same
        for api in ("anthropic", "openai"):
            test_answers_and_tools(api)
            test_server_errors(api)
            test_connection_reuse(api)
            test_reply_delay(api)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all model API checks passed")


if __name__ == "__main__":
    main()

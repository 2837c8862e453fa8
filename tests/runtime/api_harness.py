"""Runs `flow` against fake_model_api.py, the scripted model API on 127.0.0.1, for the tests of
the `anthropic` and `openai` backends, the tutorial's API sections and the benchmark.

FakeModelApi(script) starts the server and gives its base URL for either API; requests() reads
its log (each entry's `conn` numbers the connection it came on). fast=True starts the asyncio
server (--fast) instead of a thread per connection; log=False starts it without a log (stats()
then counts requests and connections). tool_results(body, api) and tool_names(body, api) read
a logged request body.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


class FakeModelApi:
    def __init__(self, script, port=0, fast=False, log=True):
        self.dir = tempfile.mkdtemp(prefix="flow-fake-model-api-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        path = os.path.join(self.dir, "script.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(script, f)
        self.err = open(os.path.join(self.dir, "server.err"), "w")
        # socketserver listens with a backlog of 5: a burst of 64 connections (a new one per
        # request) would overflow it, and the dropped SYNs come back a second later. A real API
        # server has a deep backlog; so does this one.
        start = ("import runpy, socketserver, sys; socketserver.TCPServer.request_queue_size = 1024; "
                 "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", start, os.path.join(HERE, "fake_model_api.py"), "--script", path,
             "--port", str(port)] + (["--log", self.log] if log else []) +
            (["--fast"] if fast else []),
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"the fake model API did not start: {line!r} {self.errors()}")
        self.port = int(line)

    def url(self, api):
        return f"http://127.0.0.1:{self.port}" + ("/v1" if api == "openai" else "")

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as r:
            return json.load(r)

    def errors(self):
        with open(os.path.join(self.dir, "server.err"), encoding="utf-8") as f:
            return f.read()[-2000:]

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def body_of(entry):
    b = entry.get("body", entry)
    return json.loads(b) if isinstance(b, str) else b


def system_text(body, api):
    if api == "anthropic":
        s = body.get("system", "")
        return s if isinstance(s, str) else "".join(b.get("text", "") for b in s)
    return "".join(m.get("content") or "" for m in body.get("messages", [])
                   if m.get("role") == "system" and isinstance(m.get("content"), str))


def tool_names(body, api):
    tools = body.get("tools") or []
    if api == "anthropic":
        return sorted(t["name"] for t in tools)
    return sorted(t["function"]["name"] for t in tools)


def _text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return ""


def tool_results(body, api):
    """(content, is_error) of every tool result in the request. OpenAI's tool messages carry no
    error flag: flow starts an error result's text with "Error: " (docs/config.md)."""
    out = []
    for m in body.get("messages", []):
        if api == "anthropic" and isinstance(m.get("content"), list):
            for c in m["content"]:
                if c.get("type") == "tool_result":
                    out.append((_text(c.get("content")), bool(c.get("is_error"))))
        if api == "openai" and m.get("role") == "tool":
            text = _text(m.get("content"))
            out.append((text, text.startswith("Error: ")))
    return out


def files_under(root):
    for d, _, fs in os.walk(root):
        for f in fs:
            yield os.path.join(d, f)


def holding(root, secret):
    """The files under `root` whose bytes hold `secret`."""
    found = []
    for p in files_under(root):
        try:
            with open(p, "rb") as f:
                if secret.encode() in f.read():
                    found.append(p)
        except OSError:
            pass
    return found

"""Runs the real Claude Code CLI against fake_anthropic.py, with nothing leaving the machine.

FakeApi starts the fake server on 127.0.0.1 with a script and gives the environment a CLI (or
`flow`, which passes it on) needs: an isolated HOME and CLAUDE_CONFIG_DIR, a dummy API key, the
server's address, and the switches that turn off updates and other traffic.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class FakeApi:
    def __init__(self, rules, workdir=None):
        self.dir = tempfile.mkdtemp(prefix="flow-fake-api-")
        self.log = os.path.join(self.dir, "requests.jsonl")
        script = os.path.join(self.dir, "script.json")
        with open(script, "w", encoding="utf-8") as f:
            json.dump({"rules": rules}, f)
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fake_anthropic.py"), "--script", script,
             "--log", self.log, "--port-file", port_file],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "server.err"), "w"))
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the fake API did not start: " + self.server_errors())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        home = os.path.join(self.dir, "home")
        os.makedirs(os.path.join(home, ".claude"))
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "CLAUDE_CONFIG_DIR": os.path.join(home, ".claude"),
            "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "ANTHROPIC_API_KEY": "sk-ant-test-dummy",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "LANG": "C.UTF-8",
        }

    def server_errors(self):
        try:
            with open(os.path.join(self.dir, "server.err"), encoding="utf-8") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def requests(self):
        """Every recorded request, in order."""
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def messages(self):
        """The bodies of the POST /v1/messages requests that carry a conversation."""
        return [r["body"] for r in self.requests()
                if r["path"].split("?")[0].endswith("/v1/messages") and isinstance(r["body"], dict)]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def system_text(body):
    system = body.get("system") or []
    if isinstance(system, str):
        return system
    return "\n".join(b.get("text", "") for b in system)


def user_text(body):
    """All text of the user messages, tool results included."""
    out = []
    for m in body.get("messages", []):
        if m.get("role") != "user":
            continue
        content = m.get("content")
        if isinstance(content, str):
            out.append(content)
            continue
        for b in content or []:
            if b.get("type") == "text":
                out.append(b.get("text", ""))
            elif b.get("type") == "tool_result":
                c = b.get("content")
                out.append(c if isinstance(c, str) else json.dumps(c))
    return "\n".join(out)


def tool_names(body):
    """The tools offered, less the CLI's own placeholder for deferred tools."""
    return sorted(t["name"] for t in body.get("tools", [])
                  if t.get("name") != "DeferredToolPlaceholder")


def for_agent(api, marker):
    """The message requests whose system prompt contains `marker` (an agent's prompt)."""
    return [b for b in api.messages() if marker in system_text(b)]

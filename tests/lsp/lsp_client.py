"""A small Language Server Protocol client for the tests: runs `flowc lsp` as a child process
and speaks JSON-RPC with Content-Length framing over its stdin and stdout."""
import json
import os
import subprocess
import tempfile
import urllib.parse


def uri_of(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


class Server:
    def __init__(self, flowc, env=None):
        self.log = tempfile.TemporaryFile()  # a file, so that logging never blocks the server
        self.proc = subprocess.Popen([flowc, "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.next_id = 1
        self.notifications = []  # received and not yet taken

    def write_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.write_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def read(self):
        """One message from the server (a hang is caught by the test's ctest TIMEOUT)."""
        fd = self.proc.stdout
        length = None
        while True:
            line = fd.readline()
            if not line:
                raise AssertionError("the server closed its output; stderr: " + self.stderr())
            if line == b"\r\n":
                break
            name, _, value = line.decode().partition(":")
            assert line.endswith(b"\r\n"), line
            if name.lower() == "content-length":
                length = int(value)
        assert length is not None, "a message without Content-Length"
        return json.loads(fd.read(length))

    def request(self, method, params=None):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.response(rid)

    def response(self, rid):
        while True:
            msg = self.read()
            if "method" in msg and "id" not in msg:
                self.notifications.append(msg)
                continue
            assert msg.get("id") == rid, msg
            return msg

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def diagnostics(self, uri):
        """The next publishDiagnostics for `uri` (earlier ones for other URIs are kept)."""
        for i, n in enumerate(self.notifications):
            if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri:
                return self.notifications.pop(i)["params"]["diagnostics"]
        while True:
            msg = self.read()
            if msg.get("method") == "textDocument/publishDiagnostics" and \
                    msg["params"]["uri"] == uri:
                return msg["params"]["diagnostics"]
            self.notifications.append(msg)

    def initialize(self, encodings=None):
        caps = {}
        if encodings:
            caps["general"] = {"positionEncodings": encodings}
        r = self.request("initialize", {"processId": None, "rootUri": None,
                                        "capabilities": caps})
        self.notify("initialized", {})
        return r["result"]

    def open(self, path, text=None, version=1):
        if text is None:
            text = open(path, encoding="utf-8").read()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri_of(path), "languageId": "flow", "version": version, "text": text}})

    def change(self, path, text, version):
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri_of(path), "version": version},
            "contentChanges": [{"text": text}]})

    def at(self, method, path, line, character, **extra):
        params = {"textDocument": {"uri": uri_of(path)},
                  "position": {"line": line, "character": character}}
        params.update(extra)
        return self.request(method, params)

    def stop(self):
        """shutdown, exit; returns the exit status."""
        assert self.request("shutdown")["result"] is None
        self.notify("exit")
        return self.proc.wait(timeout=20)

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

#!/usr/bin/env python3
"""A fake Anthropic Messages API for testing `flow` with the real Claude Code CLI.

It listens on 127.0.0.1 only, records every request it gets as one JSON line, and answers
`POST /v1/messages` (streaming SSE or plain JSON) from a script, so the CLI really runs the
tools a scripted answer asks for (Write, Edit, Read, ...).

A script is a JSON file: {"rules": [RULE, ...]}. The first rule whose conditions all hold
answers the request:

  RULE = {"system": "TEXT",      # the system prompt contains TEXT
          "user": "TEXT",        # the first user message contains TEXT
          "conversations": [[TURN, ...], ...]}

A new conversation that matches a rule takes the rule's next list of turns (the last one once
they run out); its later requests (after a tool result) take the next TURN of the same list,
by the number of assistant messages already in the request. A TURN is a list of blocks:

  {"text": "..."}                                  a text block
  {"tool": "Write", "input": {...}}                a tool_use block (the CLI runs the tool)

Requests no rule matches (the CLI's own side requests) get the text "ok".
Every answer reports the usage in USAGE below.

usage: fake_anthropic.py --script FILE --log FILE [--port-file FILE]
       prints the port it listens on (and writes it to --port-file).
"""
import argparse
import hashlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USAGE = {"input_tokens": 120, "output_tokens": 30, "cache_read_input_tokens": 40,
         "cache_creation_input_tokens": 10}

lock = threading.Lock()
state = {"rules": [], "log": None, "taken": {}, "by_conversation": {}, "ids": 0}


def text_of(content):
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(text_of(block.get("content")))
    return "\n".join(parts)


def system_of(body):
    return text_of(body.get("system") or [])


def first_user(body):
    for m in body.get("messages", []):
        if m.get("role") == "user":
            return text_of(m.get("content"))
    return ""


def pick_turn(body):
    """The scripted turn for this request, or None for the default answer."""
    system, user = system_of(body), first_user(body)
    for i, rule in enumerate(state["rules"]):
        if "system" in rule and rule["system"] not in system:
            continue
        if "user" in rule and rule["user"] not in user:
            continue
        key = hashlib.sha256((system + "\0" + user).encode()).hexdigest()
        convs = rule.get("conversations") or [[[{"text": "ok"}]]]
        assistants = sum(1 for m in body.get("messages", []) if m.get("role") == "assistant")
        with lock:
            if assistants == 0 or (i, key) not in state["by_conversation"]:
                n = state["taken"].get(i, 0)
                state["taken"][i] = n + 1
                state["by_conversation"][(i, key)] = min(n, len(convs) - 1)
            turns = convs[state["by_conversation"][(i, key)]]
        return turns[min(assistants, len(turns) - 1)]
    return None


def next_id(prefix):
    with lock:
        state["ids"] += 1
        return f"{prefix}_{state['ids']:06d}"


def blocks_of(turn):
    out = []
    for b in turn:
        if "tool" in b:
            out.append({"type": "tool_use", "id": next_id("toolu"), "name": b["tool"],
                        "input": b.get("input", {})})
        else:
            out.append({"type": "text", "text": b.get("text", "")})
    return out


def sse_events(message):
    """The event stream of one message, as the real API sends it."""
    start = dict(message, content=[], stop_reason=None, stop_sequence=None,
                 usage=dict(message["usage"], output_tokens=1))
    yield "message_start", {"type": "message_start", "message": start}
    for i, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "text", "text": ""}}
            yield "content_block_delta", {"type": "content_block_delta", "index": i,
                                          "delta": {"type": "text_delta", "text": block["text"]}}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": dict(block, input={})}
            yield "content_block_delta", {
                "type": "content_block_delta", "index": i,
                "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}}
        yield "content_block_stop", {"type": "content_block_stop", "index": i}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                            "usage": {"output_tokens": message["usage"]["output_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, body):
        entry = {"method": self.command, "path": self.path,
                 "headers": {k.lower(): v for k, v in self.headers.items()
                             if k.lower() not in ("x-api-key", "authorization")},
                 "body": body}
        with lock:
            with open(state["log"], "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    def read_body(self):
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode("utf-8", "replace")

    def send_json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record(None)
        self.send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                        "message": "not found"}})

    def do_POST(self):
        body = self.read_body()
        self.record(body)
        path = self.path.split("?")[0]
        if path.endswith("/count_tokens"):
            return self.send_json(200, {"input_tokens": 100})
        if not path.endswith("/v1/messages"):
            return self.send_json(404, {"type": "error", "error": {"type": "not_found_error",
                                                                   "message": "not found"}})
        body = body if isinstance(body, dict) else {}
        turn = pick_turn(body) or [{"text": "ok"}]
        content = blocks_of(turn)
        tool = any(b["type"] == "tool_use" for b in content)
        message = {"id": next_id("msg"), "type": "message", "role": "assistant",
                   "model": body.get("model", ""), "content": content,
                   "stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None,
                   "usage": dict(USAGE)}
        if not body.get("stream"):
            return self.send_json(200, message)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for name, data in sse_events(message):
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()
        self.close_connection = True

    do_PUT = do_PATCH = do_DELETE = do_POST


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    with open(args.script, encoding="utf-8") as f:
        state["rules"] = json.load(f).get("rules", [])
    state["log"] = args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

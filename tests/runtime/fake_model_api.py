#!/usr/bin/env python3
"""A scripted fake of the Anthropic Messages API and the OpenAI Chat Completions API.

usage: fake_model_api.py --script SCRIPT.json [--port 0] [--log LOG.jsonl]

Listens on 127.0.0.1 only and prints its port as the first line of stdout. Serves
  POST /v1/messages           Anthropic (base_url http://127.0.0.1:PORT)
  POST /v1/chat/completions   OpenAI    (base_url http://127.0.0.1:PORT/v1)
one thread per request. SCRIPT.json:

  {"rules": [{"contains": ["text", ...], "not_contains": [...], "api": "anthropic"|"openai",
              "replies": [REPLY, ...]}, ...],
   "default": REPLY}

A request takes the first rule all of whose `contains` strings occur in its raw body and none
of whose `not_contains` do (`api` optional). A rule's replies are used in order, one per
matching request; the last one repeats. REPLY:

  {"text": "...", "tool_calls": [{"name": "Write", "input": {...}}, ...],
   "status": 200, "headers": {"retry-after": "1"}, "error_message": "overloaded",
   "delay_ms": 50, "hang": false, "raw": "body sent as is",
   "usage": {"input_tokens": 10, "output_tokens": 5, "cache_read_tokens": 0,
             "cache_creation_tokens": 0}}

A reply is rendered in the request's own API format. `hang` never answers (the connection
stays open until the client gives up). `raw` is sent as the body unchanged. A status other
than 200 gets the API's error body carrying `error_message`. With --log, each request adds one
JSON line: time, path, api, body (parsed), rule, reply index, auth (the key header as sent).
The server writes nowhere else.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"script": {}, "taken": {}, "log": None, "ids": 0}


def pick_reply(api, raw):
    """The rule and reply index for this request, advancing the rule's counter."""
    with lock:
        for i, rule in enumerate(state["script"].get("rules", [])):
            if rule.get("api") not in (None, api):
                continue
            if not all(s in raw for s in rule.get("contains", [])):
                continue
            if any(s in raw for s in rule.get("not_contains", [])):
                continue
            replies = rule.get("replies") or [{}]
            n = state["taken"].get(i, 0)
            state["taken"][i] = n + 1
            index = min(n, len(replies) - 1)
            return i, index, replies[index]
        return None, 0, state["script"].get("default", {"text": "ok"})


def next_id(prefix):
    with lock:
        state["ids"] += 1
        return "%s_%06d" % (prefix, state["ids"])


def usage_of(reply):
    u = reply.get("usage", {})
    return (u.get("input_tokens", 10), u.get("output_tokens", 5), u.get("cache_read_tokens", 0),
            u.get("cache_creation_tokens", 0))


def anthropic_body(reply, model):
    status = reply.get("status", 200)
    if status != 200:
        kind = "overloaded_error" if status == 529 else "api_error"
        return {"type": "error", "error": {"type": kind,
                                           "message": reply.get("error_message", "error")}}
    content = []
    if reply.get("text"):
        content.append({"type": "text", "text": reply["text"]})
    for call in reply.get("tool_calls", []):
        content.append({"type": "tool_use", "id": next_id("toolu"), "name": call["name"],
                        "input": call.get("input", {})})
    if not content:
        content.append({"type": "text", "text": ""})
    inp, out, cread, ccreate = usage_of(reply)
    stop = "tool_use" if reply.get("tool_calls") else reply.get("stop_reason", "end_turn")
    return {"id": next_id("msg"), "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": inp, "output_tokens": out,
                      "cache_read_input_tokens": cread, "cache_creation_input_tokens": ccreate}}


def openai_body(reply, model):
    status = reply.get("status", 200)
    if status != 200:
        return {"error": {"message": reply.get("error_message", "error"), "type": "server_error",
                          "param": None, "code": None}}
    message = {"role": "assistant", "content": reply.get("text") or None}
    calls = []
    for call in reply.get("tool_calls", []):
        args = call.get("arguments")  # a literal string, for malformed-arguments tests
        if args is None:
            args = json.dumps(call.get("input", {}))
        calls.append({"id": next_id("call"), "type": "function",
                      "function": {"name": call["name"], "arguments": args}})
    if calls:
        message["tool_calls"] = calls
    inp, out, cread, _ = usage_of(reply)
    finish = "tool_calls" if calls else reply.get("stop_reason", "stop")
    return {"id": next_id("chatcmpl"), "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "message": message,
                                         "finish_reason": finish}],
            "usage": {"prompt_tokens": inp, "completion_tokens": out,
                      "total_tokens": inp + out,
                      "prompt_tokens_details": {"cached_tokens": cread}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        if self.path == "/v1/messages":
            api, auth = "anthropic", self.headers.get("x-api-key")
        elif self.path == "/v1/chat/completions":
            api, auth = "openai", self.headers.get("authorization")
        else:
            self.answer(404, b"404 page not found", {})  # as web servers answer, not JSON
            return
        raw = self.rfile.read(int(self.headers.get("content-length", "0"))).decode("utf-8",
                                                                                     "replace")
        rule, index, reply = pick_reply(api, raw)
        self.log_request_line(api, raw, rule, index, auth)
        if reply.get("delay_ms"):
            time.sleep(reply["delay_ms"] / 1000.0)
        if reply.get("hang"):
            while True:  # the client's timeout or cancel ends this exchange
                time.sleep(3600)
        try:
            model = json.loads(raw).get("model", "")
        except ValueError:
            model = ""
        if "raw" in reply:
            body = reply["raw"].encode()
        else:
            doc = anthropic_body(reply, model) if api == "anthropic" else openai_body(reply, model)
            body = json.dumps(doc).encode()
        self.answer(reply.get("status", 200), body, reply.get("headers", {}))

    def answer(self, status, body, headers):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_request_line(self, api, raw, rule, index, auth):
        if state["log"] is None:
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        line = json.dumps({"time": time.time(), "path": self.path, "api": api, "body": body,
                           "rule": rule, "reply": index, "auth": auth})
        with lock:
            state["log"].write(line + "\n")
            state["log"].flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    args = ap.parse_args()
    with open(args.script) as f:
        state["script"] = json.load(f)
    if args.log:
        state["log"] = open(args.log, "a")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A scripted fake of the Anthropic Messages API and the OpenAI Chat Completions API.

usage: fake_model_api.py --script SCRIPT.json [--port 0] [--log LOG.jsonl] [--fast]

Listens on 127.0.0.1 only and prints its port as the first line of stdout. Serves
  POST /v1/messages           Anthropic (base_url http://127.0.0.1:PORT)
  POST /v1/chat/completions   OpenAI    (base_url http://127.0.0.1:PORT/v1)
one thread per connection, or with --fast one asyncio event loop for all connections (raw
HTTP/1.1 with keep-alive; for benchmarks, where a thread per connection would cost more CPU
than the client being measured, and where a reply's delay_ms counts from the request's arrival
to within a fraction of a millisecond). SCRIPT.json:

  {"rules": [{"contains": ["text", ...], "not_contains": [...], "api": "anthropic"|"openai",
              "replies": [REPLY, ...]}, ...],
   "default": REPLY}

A request takes the first rule all of whose `contains` strings occur in its raw body and none
of whose `not_contains` do (`api` optional). A rule's replies are used in order, one per
matching request; the last one repeats. REPLY:

  {"text": "...", "tool_calls": [{"name": "Write", "input": {...}}, ...],
   "status": 200, "headers": {"retry-after": "1"}, "error_message": "overloaded",
   "delay_ms": 50, "hang": false, "raw": "body sent as is", "close": false,
   "usage": {"input_tokens": 10, "output_tokens": 5, "cache_read_tokens": 0,
             "cache_creation_tokens": 0}}

A reply is rendered in the request's own API format. `hang` never answers (the connection
stays open until the client gives up). `raw` is sent as the body unchanged. `close` closes the
connection after the answer without saying so (as a server whose keep-alive timeout ran out). A status other
than 200 gets the API's error body carrying `error_message`. With --log, each request adds one
JSON line: time, path, api, body (parsed), rule, reply index, auth (the key header as sent),
conn (the serial number of the connection it came on, from 1, so a test can see reuse).
GET /stats answers {"requests": N, "connections": N} so far, for runs without a log.
The server writes nowhere else.
"""
import argparse
import asyncio
import heapq
import itertools
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"script": {}, "taken": {}, "log": None, "ids": 0, "conns": 0, "requests": 0}


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


def next_conn():
    with lock:
        state["conns"] += 1
        return state["conns"]


def log_request(path, api, raw, rule, index, auth, conn):
    if state["log"] is None:
        return
    try:
        body = json.loads(raw)
    except ValueError:
        body = raw
    line = json.dumps({"time": time.time(), "path": path, "api": api, "body": body,
                       "rule": rule, "reply": index, "auth": auth, "conn": conn})
    with lock:
        state["log"].write(line + "\n")
        state["log"].flush()


class Answer:
    """What to send for one request: after `delay` seconds (never when `hang`)."""

    def __init__(self, status, body, headers, delay=0.0, hang=False, close=False):
        self.status, self.body, self.headers, self.delay, self.hang = status, body, headers, delay, hang
        self.close = close


def answer_for(path, headers, raw, conn):
    """The answer to a POST of `raw` to `path`; `headers` has lower-case names."""
    if path == "/v1/messages":
        api, auth = "anthropic", headers.get("x-api-key")
    elif path == "/v1/chat/completions":
        api, auth = "openai", headers.get("authorization")
    else:
        return Answer(404, b"404 page not found", {})  # as web servers answer, not JSON
    rule, index, reply = pick_reply(api, raw)
    with lock:
        state["requests"] += 1
    log_request(path, api, raw, rule, index, auth, conn)
    delay = reply.get("delay_ms", 0) / 1000.0
    if reply.get("hang"):
        return Answer(0, b"", {}, delay, hang=True)
    if "raw" in reply:
        body = reply["raw"].encode()
    else:
        try:
            model = json.loads(raw).get("model", "")
        except ValueError:
            model = ""
        doc = anthropic_body(reply, model) if api == "anthropic" else openai_body(reply, model)
        body = json.dumps(doc).encode()
    return Answer(reply.get("status", 200), body, reply.get("headers", {}), delay,
                  close=bool(reply.get("close")))


def stats_answer():
    """GET /stats: how many API requests and connections so far (without a log to read)."""
    with lock:
        doc = {"requests": state["requests"], "connections": state["conns"]}
    return Answer(200, json.dumps(doc).encode(), {})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.conn = next_conn()

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.send_answer(stats_answer() if self.path == "/stats" else Answer(404, b"404 page not found", {}))

    def do_POST(self):
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw = self.rfile.read(int(headers.get("content-length", "0"))).decode("utf-8", "replace")
        a = answer_for(self.path, headers, raw, self.conn)
        if a.delay:
            time.sleep(a.delay)
        if a.hang:
            while True:  # the client's timeout or cancel ends this exchange
                time.sleep(3600)
        self.send_answer(a)

    def send_answer(self, a):
        try:
            self.send_response(a.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(a.body)))
            for k, v in a.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(a.body)
            self.close_connection = self.close_connection or a.close
        except (BrokenPipeError, ConnectionResetError):
            pass


REASONS = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           529: "Overloaded"}


class Deadlines:
    """Wakes the --fast server's answers at their deadlines, at most SLACK late. asyncio's own
    timers wait in whole milliseconds rounded up (epoll_wait), so an answer due after 50 ms came
    after 50.5 ms on average, and a benchmark measuring waves of 50 ms answers counted that
    against the client. A thread sleeps until the earliest deadline and hands every answer then
    due to the event loop at once."""

    # How late an answer may come, so that answers due close together go out in one wake-up of
    # the thread and of the loop rather than one each.
    SLACK = 0.0002

    def __init__(self, loop):
        self.loop = loop
        self.due = []  # (when, serial, future), a heap
        self.serial = itertools.count()
        self.cv = threading.Condition()
        threading.Thread(target=self.run, daemon=True).start()

    def wait_until(self, when):
        future = self.loop.create_future()
        with self.cv:
            heapq.heappush(self.due, (when, next(self.serial), future))
            if self.due[0][2] is future:  # sooner than the thread's wait: wake it
                self.cv.notify()
        return future

    def run(self):
        with self.cv:
            while True:
                if not self.due:
                    self.cv.wait()
                    continue
                wait = self.due[0][0] + self.SLACK - time.monotonic()
                if wait > 0:
                    self.cv.wait(wait)
                    continue
                ready = []  # every deadline passed, handed over in one wake-up of the loop
                now = time.monotonic()
                while self.due and self.due[0][0] <= now:
                    ready.append(heapq.heappop(self.due)[2])
                try:
                    self.loop.call_soon_threadsafe(self.resolve, ready)
                except RuntimeError:  # the loop has closed: the server is stopping
                    return

    @staticmethod
    def resolve(futures):
        for f in futures:
            if not f.done():
                f.set_result(None)


async def serve_connection(reader, writer, deadlines):
    """One keep-alive connection of the --fast server: requests one after another. A reply's
    delay counts from the request's arrival, not from when its body was read and parsed."""
    conn = next_conn()
    try:
        while True:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            arrived = time.monotonic()
            target = head[0].split(" ")[1] if head[0].count(" ") >= 2 else ""
            target = target.partition("?")[0]  # the benchmark's peer client numbers its URLs
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            raw = (await reader.readexactly(int(headers.get("content-length") or 0))).decode(
                "utf-8", "replace")
            if head[0].startswith("GET "):
                a = stats_answer() if target == "/stats" else Answer(404, b"404 page not found", {})
            else:
                a = answer_for(target, headers, raw, conn)
            if a.hang:
                await asyncio.Event().wait()  # until the client gives up and the loop ends
            if a.delay:
                await deadlines.wait_until(arrived + a.delay)
            lines = [f"HTTP/1.1 {a.status} {REASONS.get(a.status, 'Status')}",
                     "content-type: application/json", f"content-length: {len(a.body)}"]
            lines += [f"{k}: {v}" for k, v in a.headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + a.body)
            await writer.drain()
            if a.close or headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve_fast(port):
    # The timer thread takes the interpreter lock from a busy event loop within 0.5 ms, not 5.
    sys.setswitchinterval(0.0005)
    deadlines = Deadlines(asyncio.get_running_loop())
    server = await asyncio.start_server(lambda r, w: serve_connection(r, w, deadlines),
                                        "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--fast", action="store_true")
    args = ap.parse_args()
    with open(args.script) as f:
        state["script"] = json.load(f)
    if args.log:
        state["log"] = open(args.log, "a")
    if args.fast:
        try:
            asyncio.run(serve_fast(args.port))
        except KeyboardInterrupt:
            pass
        return
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

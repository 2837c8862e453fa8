#!/usr/bin/env python3
"""OpenTelemetry export end to end: `flow export RUN --otlp-json FILE` on the standard
library's backend pipeline (sim, one rework) gives well-formed OTLP/JSON traces; `flow run
--otlp-endpoint URL` posts the same spans to a fake collector on 127.0.0.1 as the run goes; a
collector that refuses connections or never answers costs a short timeout and one warning, and
never fails the run. No secret from the environment reaches a span.

usage: otlp_test.py FLOW"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_harness import FakeModelApi  # noqa: E402
from collector import Collector, start_collector  # noqa: E402
from flowtest import check, failures, node, write_ir  # noqa: E402

FLOW = os.path.abspath(sys.argv[1])
REWORKED = "backend-new-functionality-agent"
SECRET = "sk-ant-test-0123456789-do-not-leak"


def flow(*args, cwd):
    env = dict(os.environ, ANTHROPIC_API_KEY=SECRET, OPENAI_API_KEY=SECRET, FLOWTEST_KEY=SECRET)
    return subprocess.run([FLOW, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def run_stdlib(work, *extra):
    os.makedirs(work, exist_ok=True)
    return flow("run", "std/backend", "--input", "feature=search", "--yes",
                "--sim-fail-review", REWORKED, *extra, cwd=work)


def spans_of(doc):
    check(list(doc) == ["resourceSpans"], f"the top level is resourceSpans: {list(doc)}")
    out = []
    for rs in doc["resourceSpans"]:
        attrs = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
        check(attrs.get("service.name") == {"stringValue": "flow"}, "the resource is service flow")
        for ss in rs["scopeSpans"]:
            check(ss["scope"]["name"] == "flow", "the scope is flow")
            out.extend(ss["spans"])
    return out


def attrs(span):
    return {a["key"]: a["value"] for a in span["attributes"]}


def check_trace(spans, events, what):
    """The structure every export must have."""
    by_id = {s["spanId"]: s for s in spans}
    check(len(by_id) == len(spans), f"{what}: span ids are unique")
    traces = {s["traceId"] for s in spans}
    check(len(traces) == 1 and re.fullmatch(r"[0-9a-f]{32}", next(iter(traces))), f"{what}: one trace id")
    for s in spans:
        check(re.fullmatch(r"[0-9a-f]{16}", s["spanId"]) is not None, f"{what}: span id form {s['spanId']}")
        check(re.fullmatch(r"\d+", s["startTimeUnixNano"]) is not None and
              int(s["startTimeUnixNano"]) <= int(s["endTimeUnixNano"]), f"{what}: times of {s['name']}")
        check(int(s["startTimeUnixNano"]) > 1_600_000_000 * 10**9, f"{what}: unix nanos in {s['name']}")
        check(s["status"]["code"] in (1, 2), f"{what}: status of {s['name']}")
    roots = [s for s in spans if "parentSpanId" not in s]
    check(len(roots) == 1 and roots[0]["name"] == "flow run backend", f"{what}: one root, the run")
    levels = {"flow run": None, "stage": "flow run", "step": "stage", "gate": "stage",
              "invoke_agent": ("step", "gate"), "human": "gate", "command": ("step", "gate")}
    for s in spans:
        head = "flow run" if s["name"].startswith("flow run") else s["name"].split(" ")[0]
        want = levels.get(head)
        if want is None:
            continue
        parent = by_id.get(s.get("parentSpanId"))
        check(parent is not None, f"{what}: the parent of {s['name']} is in the trace")
        if parent:
            phead = "flow run" if parent["name"].startswith("flow run") else parent["name"].split(" ")[0]
            check(phead in (want if isinstance(want, tuple) else (want,)), f"{what}: {s['name']} under {phead}")
    calls = [s for s in spans if s["name"].startswith(("invoke_agent ", "human ", "command ", "verdict "))]
    dispatches = [e for e in events if e["event"] == "dispatch"]
    check(len(calls) == len(dispatches), f"{what}: a span per call: {len(calls)} spans, {len(dispatches)} calls")
    agents = [s for s in calls if s["name"].startswith("invoke_agent ")]
    for s in agents:
        a = attrs(s)
        check(s["kind"] == 3, f"{what}: a model call is a client span")
        check("stringValue" in a.get("gen_ai.request.model", {}), f"{what}: gen_ai.request.model on {s['name']}")
        check(a.get("gen_ai.operation.name") == {"stringValue": "invoke_agent"}, f"{what}: operation name")
        check(a.get("gen_ai.provider.name") == {"stringValue": "sim"}, f"{what}: provider")
    reworks = [s for s in agents if attrs(s).get("flow.step") == {"stringValue": REWORKED}]
    check(sorted(attrs(s)["flow.attempt"]["intValue"] for s in reworks) == ["1", "2"],
          f"{what}: the reworked step has a span per attempt")
    fails = [s for s in agents if attrs(s).get("flow.verdict") == {"stringValue": "FAIL"}]
    check(len(fails) == 1, f"{what}: the failed review carries its verdict")
    check(SECRET not in json.dumps(spans), f"{what}: no secret in any span")
    return by_id


def events_of(work):
    root = os.path.join(work, ".flow", "runs")
    (run,) = os.listdir(root)
    with open(os.path.join(root, run, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_export_file(base):
    work = os.path.join(base, "export")
    r = run_stdlib(work)
    check(r.returncode == 0, f"the run succeeds: {r.stderr[-500:]}")
    r = flow("export", "last", "--otlp-json", "trace.json", cwd=work)
    check(r.returncode == 0, f"flow export exits 0: {r.stderr}")
    with open(os.path.join(work, "trace.json"), encoding="utf-8") as f:
        doc = json.load(f)
    check_trace(spans_of(doc), events_of(work), "export")
    r = flow("export", "last", "--otlp-json", "-", cwd=work)
    check(r.returncode == 0 and json.loads(r.stdout) == doc, "--otlp-json - writes the same to stdout")


def test_live(base):
    server = start_collector()
    try:
        work = os.path.join(base, "live")
        r = run_stdlib(work, "--otlp-endpoint", f"http://127.0.0.1:{server.server_port}/")
        check(r.returncode == 0, f"the run succeeds: {r.stderr[-500:]}")
        check("warning" not in r.stderr, f"no warning with a working collector: {r.stderr[-500:]}")
    finally:
        server.shutdown()
    got = Collector.received
    check(len(got) > 1, f"spans are posted as calls finish, not once: {len(got)} requests")
    check(all(p == "/v1/traces" for p, _, _ in got), f"POST URL/v1/traces: {set(p for p, _, _ in got)}")
    check(all(t == "application/json" for _, t, _ in got), "content-type application/json")
    spans = []
    for _, _, body in got:
        spans.extend(spans_of(json.loads(body)))
    check_trace(spans, events_of(work), "live")
    r = flow("export", "last", "--otlp-json", "-", cwd=work)
    exported = spans_of(json.loads(r.stdout))
    check(sorted(s["spanId"] for s in spans) == sorted(s["spanId"] for s in exported),
          "the live spans are the exported spans")


def test_live_usage(base):
    """A backend that reports tokens and cost (anthropic, against the fake model API): the
    call's span carries them, and the API key used for the calls is in no span."""
    usage = {"input_tokens": 1000, "output_tokens": 200, "cache_read_tokens": 30, "cache_creation_tokens": 4}
    api = FakeModelApi({"rules": [], "default": {"text": "done", "usage": usage}})
    server = start_collector()
    try:
        work = os.path.join(base, "usage")
        os.makedirs(work)
        write_ir(os.path.join(work, "demo.json"), [node(0, "plan", "agent", [], agent="planner")])
        with open(os.path.join(work, "flow.yaml"), "w", encoding="utf-8") as f:
            f.write(f"default_backend: api\nbackends:\n  api:\n    type: anthropic\n"
                    f"    base_url: \"{api.url('anthropic')}\"\n    api_key_env: FLOWTEST_KEY\n"
                    f"models:\n  sonnet: {{ model: claude-sonnet-4-5 }}\n")
        r = flow("run", "demo.json", "--otlp-endpoint", f"http://127.0.0.1:{server.server_port}", cwd=work)
        check(r.returncode == 0, f"the API run succeeds: {r.stderr[-500:]}")
    finally:
        server.shutdown()
        api.close()
    spans = []
    for _, _, body in Collector.received:
        check(SECRET.encode() not in body, "the API key is in no request to the collector")
        spans.extend(spans_of(json.loads(body)))
    calls = [s for s in spans if s["name"] == "invoke_agent planner"]
    check(len(calls) == 1, f"one call span: {[s['name'] for s in spans]}")
    if calls:
        a = attrs(calls[0])
        check(a.get("gen_ai.usage.input_tokens") == {"intValue": "1000"}, f"input tokens: {a}")
        check(a.get("gen_ai.usage.output_tokens") == {"intValue": "200"}, "output tokens")
        check(a.get("gen_ai.usage.cache_read.input_tokens") == {"intValue": "30"}, "cache read tokens")
        # The events name the backend as configured, not its type (docs/report.md says so).
        check(a.get("gen_ai.provider.name") == {"stringValue": "api"}, f"provider: {a.get('gen_ai.provider.name')}")
        check(a.get("gen_ai.request.model") == {"stringValue": "sonnet"}, "the model as the flow names it")
        check(a.get("flow.cost_usd", {}).get("doubleValue", 0) > 0, f"a cost: {a.get('flow.cost_usd')}")


def test_refused(base):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connections are refused
    work = os.path.join(base, "refused")
    start = time.monotonic()
    r = run_stdlib(work, "--otlp-endpoint", f"http://127.0.0.1:{port}")
    took = time.monotonic() - start
    check(r.returncode == 0, f"a refusing collector does not fail the run: {r.returncode} {r.stderr[-300:]}")
    check(r.stderr.count("cannot send spans") + r.stdout.count("cannot send spans") == 1,
          f"one warning: {r.stdout[-300:]} {r.stderr[-300:]}")
    check(took < 10, f"the run is not held up: {took:.1f}s")


def test_hanging(base):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)  # accepted by the kernel, never answered
    try:
        work = os.path.join(base, "hang")
        start = time.monotonic()
        r = run_stdlib(work, "--otlp-endpoint", f"http://127.0.0.1:{s.getsockname()[1]}")
        took = time.monotonic() - start
    finally:
        s.close()
    check(r.returncode == 0, f"a hanging collector does not fail the run: {r.returncode} {r.stderr[-300:]}")
    out = r.stdout + r.stderr
    check(out.count("cannot send spans") == 1, f"one warning: {out[-400:]}")
    check(took < 10, f"the run waits at most a few seconds for a hanging collector: {took:.1f}s")
    print(f"hanging collector: run took {took:.1f}s")


def main():
    with tempfile.TemporaryDirectory() as base:
        test_export_file(base)
        test_live(base)
        test_live_usage(base)
        test_refused(base)
        test_hanging(base)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("otlp: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Helpers shared by the end-to-end tests: run the binaries, read a run's events.jsonl."""
import glob
import json
import os
import subprocess
import sys
import tempfile

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, flush=True)


def expect(condition, message):
    if not condition:
        fail(message)
    return condition


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} failure(s)")
        return 1
    print(f"{name}: ok")
    return 0


def run(argv, cwd=None, env=None, timeout=300):
    """Runs a command and returns (exit code, stdout, stderr). Never raises on failure."""
    if os.sep in argv[0]:
        argv = [os.path.abspath(argv[0])] + list(argv[1:])  # cwd may change below
    full_env = dict(os.environ)
    full_env.pop("FLOW_PATH", None)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout}s: {' '.join(argv)}"
    return p.returncode, p.stdout, p.stderr


def check_clean(flowc, path, env=None):
    """`flowc check PATH` must exit 0 and print no warning."""
    code, out, err = run([flowc, "check", path], env=env)
    text = out + err
    ok = expect(code == 0, f"flowc check {path}: exit {code}\n{text}")
    ok = expect("warning" not in text, f"flowc check {path}: prints a warning\n{text}") and ok
    return ok


class Run:
    """One `flow run` in a fresh temporary directory, and its audit trail."""

    def __init__(self, flow, path, args, cwd=None, env=None, timeout=300, backend="sim"):
        self.tmp = tempfile.mkdtemp(prefix="flowtest-")
        self.run_dir = os.path.join(self.tmp, "runs")
        argv = [flow, "run", os.path.abspath(path), "--run-dir", self.run_dir]
        if backend:
            argv += ["--backend", backend]
        argv += list(args)
        self.argv = argv
        self.code, self.out, self.err = run(argv, cwd=cwd or self.tmp, env=env, timeout=timeout)
        dirs = sorted(d for d in glob.glob(os.path.join(self.run_dir, "*")) if os.path.isdir(d))
        self.dir = dirs[-1] if dirs else None
        self.events = []
        if self.dir and os.path.exists(os.path.join(self.dir, "events.jsonl")):
            with open(os.path.join(self.dir, "events.jsonl"), encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line:
                        self.events.append(json.loads(line))

    def describe(self):
        return (f"command: {' '.join(self.argv)}\nexit: {self.code}\n--- stdout\n{self.out[-3000:]}"
                f"\n--- stderr\n{self.err[-3000:]}")

    def of(self, event, **fields):
        """Events of one type whose fields have the given values."""
        return [e for e in self.events if e.get("event") == event
                and all(e.get(k) == v for k, v in fields.items())]

    def read(self, relative):
        with open(os.path.join(self.dir, relative), encoding="utf-8") as f:
            return f.read()

    def agent_steps(self):
        """Names of steps that dispatched agent calls, in order of first dispatch."""
        seen = []
        for e in self.of("dispatch", kind="agent"):
            if e["step"] not in seen:
                seen.append(e["step"])
        return seen

    def interval(self, step):
        """(first dispatch seq, last attempt seq) of a step's agent calls, or None."""
        starts = [e["seq"] for e in self.of("dispatch", kind="agent", step=step)]
        ends = [e["seq"] for e in self.of("attempt", kind="agent", step=step)]
        if not starts or not ends:
            return None
        return min(starts), max(ends)

    def gate_passed_seq(self, step):
        """seq of the last gate_pass for the gate guarding `step`, or None."""
        passes = [e["seq"] for e in self.events if e.get("event") == "gate_pass"
                  and e.get("step") == step]
        return max(passes) if passes else None


def main_guard(fn):
    try:
        sys.exit(fn())
    except Exception as e:  # a crash in the test is a failure, with the reason
        import traceback
        traceback.print_exc()
        print(f"FAIL: test crashed: {e}")
        sys.exit(1)

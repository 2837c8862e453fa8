#!/usr/bin/env python3
"""How `flow` runs and stops child processes, end to end with real processes and real signals:
exit statuses under an ignored SIGCHLD, agents that die with `flow` (kill -9, SIGHUP), leftover
process groups killed on resume, daemons that keep stdout open, a second Ctrl-C, and retries of
failed backend calls.

usage: process_test.py PATH/TO/flow [TEST...]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import flowtest
from flowtest import check, failures, node

FLOW = os.path.abspath(sys.argv[1])


def write_ir(work, nodes, agents=("worker",)):
    return flowtest.write_ir(os.path.join(work, "flow.json"), nodes, agents=agents, name="procs",
                             model=None)


def agent_flow(work, shell, extra=""):
    """One agent step served by a `shell` command backend (plus extra backend keys)."""
    with open(os.path.join(work, "flow.yaml"), "w", encoding="utf-8") as f:
        f.write("default_backend: sh\nbackends:\n  sh:\n    shell: " + json.dumps(shell) + "\n" + extra)
    return write_ir(work, [node(0, "work", "agent", [], agent="worker")])


def run_dir(work):
    root = os.path.join(work, ".flow", "runs")
    return os.path.join(root, sorted(os.listdir(root))[-1])


def events(work):
    """The latest run's events; [] before the run has any."""
    root = os.path.join(work, ".flow", "runs")
    if not os.path.isdir(root) or not os.listdir(root):
        return []
    path = os.path.join(run_dir(work), "events.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


def alive(pid):
    """Running and not a zombie (an orphan's zombie may wait for a reaper that never comes)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def read_pid(path, timeout=10):
    check(wait_for(lambda: os.path.exists(path) and open(path).read().endswith("\n"), timeout),
          f"{path} was never written")
    return int(open(path).read())


def start(work, *args, preexec=None):
    return subprocess.Popen([FLOW, "run", *args], cwd=work, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=preexec)


def ignore_sigchld():
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)


# --- 1. exit statuses are never lost -----------------------------------------------------------

def test_sigchld_ignored(work):
    """An ignored SIGCHLD inherited from the parent must not turn a failure into a success."""
    ir = write_ir(work, [node(0, "cmd", "command", [], command="sleep 0.2; exit 3")])
    p = start(work, ir, preexec=ignore_sigchld)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 1, f"failing command under ignored SIGCHLD: exit {p.returncode}\n{out}{err}")
    check(any(e["event"] == "fail" and "exit 3" in e["error"] for e in events(work)),
          "the failure is recorded as exit 3")
    gate = [node(0, "make", "command", [], command="true"),
            node(1, "make/gate", "gate", [0], target="make", members=[0],
                 checks=[{"kind": "command", "command": "sleep 0.2; exit 3", "loc": None}],
                 retries=0, on_exhausted="stop")]
    p = start(work, write_ir(work, gate), preexec=ignore_sigchld)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 1, f"failing check under ignored SIGCHLD passed the gate: exit {p.returncode}")
    check(not any(e["event"] == "gate_pass" for e in events(work)), "the gate did not pass")


# --- 2. agents die with flow -------------------------------------------------------------------

SLEEPER = 'echo $$ > "$MARK"; sleep 30; echo late > "$MARK.late"'


def test_kill9_kills_agents(work):
    os.environ["MARK"] = os.path.join(work, "agent.pid")
    ir = agent_flow(work, SLEEPER)
    p = start(work, ir)
    pid = read_pid(os.environ["MARK"])
    p.kill()
    p.wait()
    t0 = time.monotonic()
    gone = wait_for(lambda: not alive(pid), 30)
    check(gone, "the agent outlived a kill -9 of flow")
    print(f"  agent gone {time.monotonic() - t0:.2f}s after kill -9 of flow")
    if not gone:
        os.kill(pid, signal.SIGKILL)


def test_kill9_before_naming_the_program(work):
    """flow dies after starting a program but before telling the supervisor its id."""
    os.environ["MARK"] = os.path.join(work, "agent.pid")
    ir = agent_flow(work, SLEEPER)
    os.environ["FLOW_TEST_PAUSE_AFTER_SPAWN_MS"] = "5000"
    try:
        p = start(work, ir)
    finally:
        del os.environ["FLOW_TEST_PAUSE_AFTER_SPAWN_MS"]
    pid = read_pid(os.environ["MARK"])
    p.kill()
    p.wait()
    gone = wait_for(lambda: not alive(pid), 5)
    check(gone, "a program started just before flow was killed outlived it")
    if not gone:
        os.kill(pid, signal.SIGKILL)


def test_sighup_is_like_sigterm(work):
    os.environ["MARK"] = os.path.join(work, "agent.pid")
    ir = agent_flow(work, SLEEPER)
    p = start(work, ir)
    pid = read_pid(os.environ["MARK"])
    p.send_signal(signal.SIGHUP)
    code = p.wait(timeout=10)
    check(code == 130, f"SIGHUP: exit {code}, expected 130")
    check(not alive(pid), "the agent outlived SIGHUP")
    ev = events(work)
    check(any(e["event"] == "interrupted" and e["signal"] == "SIGHUP" for e in ev), "SIGHUP recorded")
    with open(os.path.join(run_dir(work), "run.json"), encoding="utf-8") as f:
        check(json.load(f)["status"] == "interrupted", "run.json says interrupted")


def supervisor_of(pid):
    """flow's supervisor process: its child started with the hidden supervisor argument."""
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            for kid in f.read().split():
                with open(f"/proc/{kid}/cmdline", "rb") as c:
                    if b"--flow-internal-supervise" in c.read():
                        return int(kid)
    return None


def test_resume_kills_leftover_group(work):
    """Everything of flow killed at once (like `pkill -9 flow`): the agent is orphaned, and
    `flow resume` must kill its group before it starts anything."""
    mark = os.path.join(work, "agent.pid")
    os.environ["MARK"] = mark
    # The first call sleeps; the call after resume answers at once.
    ir = agent_flow(work, 'if [ -e "$MARK" ]; then echo again; exit 0; fi; ' + SLEEPER)
    p = start(work, ir)
    pid = read_pid(mark)
    procs = os.path.join(run_dir(work), "procs")
    # A record is written to NAME.tmp and renamed: wait for the record itself.
    check(wait_for(lambda: [n for n in os.listdir(procs) if not n.endswith(".tmp")], 30),
          "the running group is recorded")
    os.kill(p.pid, signal.SIGSTOP)
    supervisor = supervisor_of(p.pid)
    check(supervisor is not None, "flow has a supervisor process")
    if supervisor:
        os.kill(supervisor, signal.SIGKILL)
    p.kill()
    p.wait()
    time.sleep(0.3)
    check(alive(pid), "setup: the agent should be orphaned now")
    check(len(os.listdir(procs)) == 1, f"one process group recorded: {os.listdir(procs)}")

    # A record whose process is not the one we started (a reused pid) must not be killed.
    stranger = subprocess.Popen(["sleep", "30"], start_new_session=True)
    with open(os.path.join(procs, os.listdir(procs)[0])) as f:
        fields = f.read().split()
    fields[0] = fields[2] = str(stranger.pid)
    with open(os.path.join(procs, str(stranger.pid)), "w") as f:
        f.write(" ".join(fields) + "\n")  # its start times are the agent's, not the stranger's

    r = subprocess.run([FLOW, "resume"], cwd=work, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"resume: exit {r.returncode}: {r.stderr}")
    check(not alive(pid), "resume did not kill the leftover agent")
    check(alive(stranger.pid), "resume killed a process it did not start")
    stranger.kill()
    stranger.wait()
    ev = events(work)
    cut = max(i for i, e in enumerate(ev) if e["event"] == "run_resume")
    killed = [i for i, e in enumerate(ev) if e["event"] == "leftover_killed"]
    dispatched = [i for i, e in enumerate(ev) if e["event"] == "dispatch" and i > cut]
    check(len(killed) == 1 and ev[killed[0]]["pid"] == pid if killed else False,
          f"one leftover_killed event for the agent: {[ev[i] for i in killed]}")
    check(killed and dispatched and killed[0] < dispatched[0], "the group is killed before dispatch")
    # The resumed call's own record goes when the supervisor reads that the call ended, which
    # on a loaded machine can be a little after `flow resume` exits.
    check(wait_for(lambda: os.listdir(procs) == [], 10), f"records left behind: {os.listdir(procs)}")
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def test_supervisor_restarted(work):
    """Someone kills the supervisor mid-run: flow starts another at its next message and tells
    it everything still running, so a later kill -9 of flow still takes every agent along."""
    mark = os.path.join(work, "agent.pid")
    os.environ["MARK"] = mark
    os.environ["GO"] = os.path.join(work, "go")
    with open(os.path.join(work, "flow.yaml"), "w", encoding="utf-8") as f:
        f.write("default_backend: sh\nbackends:\n  sh:\n    shell: " + json.dumps(
            'if [ "$FLOW_STEP" = b ]; then while [ ! -e "$GO" ]; do sleep 0.05; done; exit 0; fi; '
            'echo $$ > "$MARK.$FLOW_STEP"; sleep 30') + "\n")
    ir = write_ir(work, [node(0, "a", "agent", [], agent="worker"),
                         node(1, "b", "agent", [], agent="worker"),
                         node(2, "c", "agent", [1], agent="worker")])
    p = start(work, ir, "--jobs", "3")
    a = read_pid(mark + ".a")
    first = supervisor_of(p.pid)
    check(first is not None, "flow has a supervisor process")
    if first:
        os.kill(first, signal.SIGKILL)
        check(wait_for(lambda: not alive(first), 30), "the supervisor was killed")
    open(os.environ["GO"], "w").close()  # b ends, c starts: flow talks to its supervisor again
    c = read_pid(mark + ".c")
    second = supervisor_of(p.pid)
    check(second is not None and second != first, f"a new supervisor: {first} then {second}")
    p.kill()
    p.wait()
    check(wait_for(lambda: not alive(a) and not alive(c), 30), "agents outlived flow after a restart")
    for pid in (a, c):
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


# --- 3. daemons that keep stdout open ----------------------------------------------------------

DAEMON = 'echo $$ > "$MARK"; setsid sh -c \'echo $$ > "$MARK.daemon"; exec sleep 30\' & '
# What the daemon tests tell apart: flow waits its own bound (2 s), not the daemon's 30 s. The
# upper limits sit far from both, so a slow machine or an instrumented build (ASan) passes.
WAITED_FOR_DAEMON = 20


def kill_daemon():
    """The daemon left its group on purpose; no one else stops it."""
    path = os.environ["MARK"] + ".daemon"
    if os.path.exists(path):
        os.kill(read_pid(path), signal.SIGKILL)


def test_daemon_does_not_defeat_timeout(work):
    os.environ["MARK"] = os.path.join(work, "agent.pid")
    ir = agent_flow(work, DAEMON + "sleep 30", "    timeout: 2\n")
    t0 = time.monotonic()
    p = start(work, ir)
    p.communicate(timeout=60)
    took = time.monotonic() - t0
    print(f"  2 s timeout with a daemon holding stdout: flow exited after {took:.2f}s")
    check(p.returncode == 1 and took < WAITED_FOR_DAEMON, f"timeout 2 s took {took:.2f}s (exit {p.returncode})")
    check(any(e["event"] == "fail" and "timed out after 2s" in e["error"] for e in events(work)),
          "the call failed as timed out")
    kill_daemon()


def test_daemon_does_not_defeat_ctrl_c(work):
    os.environ["MARK"] = os.path.join(work, "agent.pid")
    ir = agent_flow(work, DAEMON + "sleep 30")
    p = start(work, ir)
    read_pid(os.environ["MARK"])
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=60)
    took = time.monotonic() - t0
    print(f"  Ctrl-C with a daemon holding stdout: flow exited after {took:.2f}s")
    check(p.returncode == 130 and took < WAITED_FOR_DAEMON, f"Ctrl-C took {took:.2f}s (exit {p.returncode})")
    kill_daemon()


def test_daemon_after_normal_exit(work):
    """The agent answers and exits; a daemon it started keeps stdout open: flow takes the
    answer after a bounded wait (2 s) instead of waiting for the daemon."""
    os.environ["MARK"] = os.path.join(work, "agent.pid")
    ir = agent_flow(work, DAEMON + "echo hi")
    t0 = time.monotonic()
    p = start(work, ir)
    p.communicate(timeout=60)
    took = time.monotonic() - t0
    print(f"  agent exited, daemon holds stdout: flow exited after {took:.2f}s")
    check(p.returncode == 0 and 1.9 < took < WAITED_FOR_DAEMON, f"took {took:.2f}s (exit {p.returncode})")
    with open(os.path.join(run_dir(work), "steps", "work.a1.output.md")) as f:
        check(f.read() == "hi\n", "the answer was kept")
    kill_daemon()


# --- 4. a second Ctrl-C ------------------------------------------------------------------------

def test_second_ctrl_c(work):
    mark = os.path.join(work, "agent.pid")
    os.environ["MARK"] = mark
    # Ignores SIGTERM, so the first Ctrl-C would wait the 2 s grace before SIGKILL.
    ir = agent_flow(work, "trap '' TERM; " + SLEEPER)
    p = start(work, ir)
    pid = read_pid(mark)
    p.send_signal(signal.SIGINT)
    time.sleep(0.2)
    check(p.poll() is None, "the first Ctrl-C waits for the agent (grace period)")
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    code = p.wait(timeout=10)
    took = time.monotonic() - t0
    print(f"  second Ctrl-C: flow exited {took:.2f}s later")
    # Without the second Ctrl-C flow would exit when the grace ends, 1.8 s from now.
    check(code == 130 and took < 1.5, f"second Ctrl-C: exit {code} after {took:.2f}s")
    check(wait_for(lambda: not alive(pid), 10), "the agent outlived the second Ctrl-C")
    r = subprocess.run([FLOW, "runs"], cwd=work, capture_output=True, text=True)
    check(" crashed " in r.stdout or " interrupted " in r.stdout, f"listed as resumable: {r.stdout}")


# --- 5. retries of failed backend calls --------------------------------------------------------

COUNTER = 'n=$(cat "$COUNT" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNT"; '


def test_retry_transient_failure(work):
    os.environ["COUNT"] = os.path.join(work, "count")
    ir = agent_flow(work, COUNTER + 'if [ $n -lt 2 ]; then echo "blip $n" >&2; exit 1; fi; echo answer',
                    "    retries: 2\n    retry_delay: 0.1\n")
    p = start(work, ir)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"a transient failure fails the run: {out}{err}")
    check(open(os.environ["COUNT"]).read() == "2\n", "called twice")
    ev = events(work)
    retries = [e for e in ev if e["event"] == "call_retry"]
    check(len(retries) == 1 and "blip 1" in retries[0]["error"] and retries[0]["call"] == 1,
          f"one call_retry event with the error: {retries}")


def test_retry_gives_up(work):
    os.environ["COUNT"] = os.path.join(work, "count")
    ir = agent_flow(work, COUNTER + 'echo "down $n" >&2; exit 1',
                    "    retries: 2\n    retry_delay: 0.1\n")
    p = start(work, ir)
    p.communicate(timeout=60)
    check(p.returncode == 1, f"always failing: exit {p.returncode}")
    check(open(os.environ["COUNT"]).read() == "3\n", "called 1 + 2 times")
    ev = events(work)
    retries = [e for e in ev if e["event"] == "call_retry"]
    check([e["call"] for e in retries] == [1, 2], f"two call_retry events: {retries}")
    check(all(f"down {e['call']}" in e["error"] for e in retries), "each error recorded")
    check(any(e["event"] == "fail" and "down 3" in e["error"] for e in ev), "last error in the failure")


def test_retry_backoff_interrupted(work):
    os.environ["COUNT"] = os.path.join(work, "count")
    ir = agent_flow(work, COUNTER + "exit 1", "    retries: 2\n    retry_delay: 30\n")
    p = start(work, ir)
    check(wait_for(lambda: any(e["event"] == "call_retry" for e in events(work)), 10),
          "the first call failed and a retry is waiting")
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    code = p.wait(timeout=10)
    took = time.monotonic() - t0
    # The alternative is waiting out the 30 s retry delay.
    check(code == 130 and took < 15, f"Ctrl-C during backoff: exit {code} after {took:.2f}s")
    check(open(os.environ["COUNT"]).read() == "1\n", "no call after the interrupt")


TESTS = [test_sigchld_ignored, test_kill9_kills_agents, test_kill9_before_naming_the_program,
         test_sighup_is_like_sigterm,
         test_resume_kills_leftover_group, test_supervisor_restarted,
         test_daemon_does_not_defeat_timeout,
         test_daemon_does_not_defeat_ctrl_c, test_daemon_after_normal_exit, test_second_ctrl_c,
         test_retry_transient_failure, test_retry_gives_up, test_retry_backoff_interrupted]


def main():
    wanted = sys.argv[2:]
    for test in TESTS:
        if wanted and test.__name__ not in wanted:
            continue
        work = tempfile.mkdtemp(prefix="flow-procs-")
        print(test.__name__)
        try:
            test(work)
        except Exception as e:  # a crash of one test is a failure, the others still run
            check(False, f"{test.__name__}: {type(e).__name__}: {e}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("all process checks passed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The image deploy/Dockerfile builds runs flow's single-node entry point as an Argo task
would: the standard pipeline is prepared on the host (`flow run --prepare`), then every node
is run by `flow run-node` in a container of its own, in a topological order, with only the
project directory (which holds the run store) shared, mounted at the same path as on the host,
the way every task of a workflow mounts one volume. The run store must end as `flow run` on the
host leaves it, also when a gate sends its work back. It also checks what the image carries.

usage: image_test.py PATH/TO/flow IMAGE
Environment: PODMAN (the podman command and global flags), PODMAN_RUN_FLAGS (more flags for
`podman run`), as for deploy/build-image.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "runtime"))
FLOW_BIN, IMAGE = os.path.abspath(sys.argv[1]), sys.argv[2]
sys.argv = [sys.argv[0], FLOW_BIN]  # run_node_test reads the flow binary from argv
import run_node_test as rn  # noqa: E402
from flowtest import check, failures  # noqa: E402

PODMAN = os.environ.get("PODMAN", "podman").split()
RUN_FLAGS = os.environ.get("PODMAN_RUN_FLAGS", "").split()
host_flow = rn.flow
containers = 0


def podman_run(cwd, *args):
    return subprocess.run(
        PODMAN + ["run", "--rm", "--network", "none", *RUN_FLAGS,
                  "--user", f"{os.getuid()}:{os.getgid()}", "-v", f"{cwd}:{cwd}", "-w", cwd,
                  IMAGE, *args],
        capture_output=True, text=True, timeout=300)


def flow_in_containers(cwd, *args, ok=(0,)):
    """rn.flow, but `run-node` runs in a fresh container of the image."""
    global containers
    if args[0] != "run-node":
        return host_flow(cwd, *args, ok=ok)
    containers += 1
    r = podman_run(cwd, "-q", *args)
    check(r.returncode in ok, f"in the image: flow {' '.join(args)}: exit {r.returncode}\n"
                              f"{r.stderr[-2000:]}")
    return r


def test_contents(cwd):
    r = podman_run(cwd, "--version")
    host = subprocess.run([FLOW_BIN, "--version"], capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout == host.stdout,
          f"the image's flow is this source's: {r.stdout!r} {r.stderr[-500:]} vs {host.stdout!r}")
    r = subprocess.run(PODMAN + ["run", "--rm", *RUN_FLAGS, "--entrypoint", "flowc", IMAGE,
                                 "check", "/usr/local/share/flow/stdlib/backend.flow"],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"the image carries flowc and the standard library: {r.stderr[-500:]}")
    r = subprocess.run(PODMAN + ["run", "--rm", *RUN_FLAGS, "--entrypoint", "id", IMAGE, "-u"],
                       capture_output=True, text=True, timeout=300)
    check(r.stdout.strip() == "1000", f"the image runs as a plain user: {r.stdout!r}")


def main():
    rn.flow = flow_in_containers
    with rn.tempfile.TemporaryDirectory() as cwd:
        test_contents(cwd)
        calls = rn.test_equal(cwd, [], "the standard pipeline, a container per node")
        check(calls == 35, f"one container per node when every gate passes: {calls}")
        reworked = rn.test_equal(cwd, ["--sim-fail-review", "backend-planner:1"],
                                 "with a gate that sends the work back, a container per node")
        check(reworked > calls, f"the work sent back ran again: {reworked} node runs")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"image: all checks passed ({containers} containers, each running one node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

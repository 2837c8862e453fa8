#!/usr/bin/env python3
"""End to end: write scopes the kernel enforces (Landlock), charged only to the agent.

* an agent of the command backend that writes outside its `writes` through `sh -c` is refused
  by the kernel (EACCES): the file is never written, the step fails naming it, and a
  `write_refused` event records it;
* with Landlock off (FLOW_LANDLOCK=off) the check after the call still catches it, and the run
  says once that scopes are checked, not enforced;
* the standard pipeline on the command backend succeeds with its output redirected into the
  working tree (`flow run ... > run.out`) while another process writes in the tree;
* what flow made so that the kernel could allow it (a scope's directory, a file a pattern
  names) is gone again when the agent left it empty.

usage: write_scope_test.py PATH/TO/flow
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from flowtest import check, failures

FLOW = os.path.abspath(sys.argv[1])

STD_AGENT = r'''#!/bin/sh
# A stand-in for the standard pipeline's agents: reviews pass, the planner picks one domain,
# and each writer writes one file inside its own scope.
cat > /dev/null
case "$FLOW_STEP" in research-topics) echo "ITEM: data storage";; esac
case "$FLOW_AGENT" in
  backend-cloud-infrastructure-architect) d=backend/infra;;
  backend-datatypes) d=backend/datatypes;;
  backend-feature-implementer) d=backend/src;;
  backend-cli-implementer) d=backend/cli;;
  backend-unit-test-generator) d=backend/tests;;
  backend-deployment-agent) d=backend/deploy;;
  backend-validation-agent) echo "validated" >> issues.md;;
esac
if [ -n "$d" ]; then mkdir -p "$d" && echo "$FLOW_AGENT" > "$d/$FLOW_AGENT.txt"; fi
echo "done"
echo "VERDICT: PASS"
'''

SNEAKY_AGENT = '''#!/bin/sh
cat > /dev/null
sh -c 'echo in scope > src/ok.txt'
sh -c 'echo sneaky > outside.txt'
echo "done"
'''

WRITER_FLOW = '''flow w "a scoped writer"
agent writer < description "Writes under src/"; tools Write, Bash; writes "src/**"; prompt "Write." >
agent idle < description "May write notes"; tools Write; writes "notes/**", "log.md"; prompt "Rest." >
stage s writer
stage t idle
'''


ROOT = tempfile.mkdtemp(prefix="flow-scope-")


def project(agent_script):
    work = tempfile.mkdtemp(dir=ROOT)
    subprocess.run(["git", "init", "-q", work], check=True)
    with open(os.path.join(work, "agent.sh"), "w") as f:
        f.write(agent_script)
    os.chmod(os.path.join(work, "agent.sh"), 0o755)
    with open(os.path.join(work, "flow.yaml"), "w") as f:
        f.write("default_backend: mine\nbackends:\n  mine:\n    command: [./agent.sh]\n")
    with open(os.path.join(work, "w.flow"), "w") as f:
        f.write(WRITER_FLOW)
    os.makedirs(os.path.join(work, "src"))
    return work


def run(work, *args, env=None, stdout=None):
    e = dict(os.environ)
    e.pop("FLOW_LANDLOCK", None)
    e.update(env or {})
    return subprocess.run([FLOW, "run", *args], cwd=work, env=e, stdin=subprocess.DEVNULL,
                          stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=300)


def events(work):
    root = os.path.join(work, ".flow", "runs")
    run_dir = os.path.join(root, sorted(os.listdir(root))[-1])
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_refused_by_the_kernel():
    work = project(SNEAKY_AGENT)
    r = run(work, "w.flow")
    out = r.stdout + r.stderr
    check(r.returncode == 1, f"a write outside the scope fails the run: {r.returncode}\n{out}")
    check(not os.path.exists(os.path.join(work, "outside.txt")), "the kernel refused outside.txt")
    check(os.path.exists(os.path.join(work, "src", "ok.txt")), "the write inside the scope happened")
    check("error: step `writer` failed on attempt 1: the kernel refused a write to outside.txt, "
          "outside the write scope of `writer` (writes src/**)\n" in out,
          f"the failure names the file and the scope: {out}")
    refused = [e for e in events(work) if e["event"] == "write_refused"]
    check([(e["step"], e["by"], e["path"]) for e in refused] == [("writer", "kernel", "outside.txt")],
          f"one write_refused event: {refused}")
    check(not any(e["event"] == "write_scopes_unconfined" for e in events(work)),
          "no note of a fallback when the kernel confines")


def test_caught_without_landlock():
    work = project(SNEAKY_AGENT)
    r = run(work, "w.flow", env={"FLOW_LANDLOCK": "off"})
    out = r.stdout + r.stderr
    check(r.returncode == 1, f"without Landlock the write still fails the run: {r.returncode}")
    check(os.path.exists(os.path.join(work, "outside.txt")), "without Landlock the file is written")
    check("files changed outside the write scope of `writer` and the steps running with it "
          "(src/**):\n  outside.txt" in out, f"the check after the call names it: {out}")
    notes = [e for e in events(work) if e["event"] == "write_scopes_unconfined"]
    check(len(notes) == 1 and notes[0]["reason"] == "FLOW_LANDLOCK=off turns Landlock off",
          f"said once: {notes}")
    check("note: agents' write scopes are checked after each call, not enforced by the kernel"
          in out, f"the run's output says so: {out}")


def writer_in_tree(path, stop):
    """Another process writing in the working tree, as an editor or a build would."""
    n = 0
    while not stop.is_set():
        n += 1
        subprocess.run(["sh", "-c", f"echo {n} > '{path}'"], check=False)
        time.sleep(0.01)


def test_standard_pipeline_redirected_into_the_tree():
    work = project(STD_AGENT)
    stop = threading.Event()
    other = threading.Thread(target=writer_in_tree, args=(os.path.join(work, "scratch.txt"), stop))
    other.start()
    try:
        with open(os.path.join(work, "run.out"), "w") as out:
            r = run(work, "std/backend", "--input", "feature=Export invoices as CSV", "--yes",
                    stdout=out)
    finally:
        stop.set()
        other.join()
    text = open(os.path.join(work, "run.out")).read()
    check(r.returncode == 0, f"the pipeline succeeds with run.out and a writer in the tree: "
                             f"{r.returncode}\n{text[-2000:]}\n{r.stderr}")
    for d, agent in [("infra", "backend-cloud-infrastructure-architect"), ("src", "backend-feature-implementer"),
                     ("tests", "backend-unit-test-generator"), ("deploy", "backend-deployment-agent")]:
        check(os.path.exists(os.path.join(work, "backend", d, agent + ".txt")), f"{agent} wrote its file")
    check(open(os.path.join(work, "issues.md")).read() == "validated\n", "validation wrote issues.md")
    # Without Landlock flow's own output file is still not charged to anyone.
    work2 = project(STD_AGENT)
    with open(os.path.join(work2, "run.out"), "w") as out:
        r = run(work2, "std/backend", "--input", "feature=x", "--yes", env={"FLOW_LANDLOCK": "off"},
                stdout=out)
    check(r.returncode == 0, f"without Landlock, run.out is not charged: "
                             f"{open(os.path.join(work2, 'run.out')).read()[-1500:]}")


ITEM_AGENT = r'''#!/bin/sh
# Item 1 is billing, item 2 search: each writes its own directory, and with STRAY set also
# tries the other's.
cat > /dev/null
if [ "$FLOW_INDEX" = 0 ]; then own=billing; other=search; else own=search; other=billing; fi
mkdir -p "audits/$own" && echo "$own" > "audits/$own/report.md"
if [ -n "${STRAY:-}" ]; then echo stray > "audits/$other/stray.md"; fi
echo done
'''

ITEM_FLOW = '''flow items "one part per item"
agent auditor < description "Audits one service"; tools Read, Write, Bash
                writes "audits/{item}/**"; prompt "Audit it." >
stage audit auditor over ["billing", "search"]
'''


def test_each_item_writes_its_own_part():
    work = project(ITEM_AGENT)
    with open(os.path.join(work, "items.flow"), "w") as f:
        f.write(ITEM_FLOW)
    r = run(work, "items.flow")
    check(r.returncode == 0, f"each item writes its own part: {r.stdout}{r.stderr}")
    for own in ("billing", "search"):
        check(os.path.exists(os.path.join(work, "audits", own, "report.md")), f"{own} wrote its report")
    r = run(work, "items.flow", env={"STRAY": "1"})
    out = r.stdout + r.stderr
    check(r.returncode == 1, f"an item writing another's part fails: {out}")
    check("the kernel refused a write to audits/search/stray.md, outside the write scope of "
          "`auditor` (writes audits/billing/**)" in out, f"named, with the item's own scope: {out}")
    check(not os.path.exists(os.path.join(work, "audits", "search", "stray.md")), "and not written")


def test_what_was_made_for_the_call_goes_again():
    work = project("#!/bin/sh\ncat > /dev/null\necho fine\n")
    r = run(work, "w.flow")
    check(r.returncode == 0, f"agents that write nothing succeed: {r.stdout}{r.stderr}")
    for left in ("notes", "log.md"):
        check(not os.path.exists(os.path.join(work, left)), f"{left}, made for the call, is gone")


def main():
    try:
        for test in (test_refused_by_the_kernel, test_caught_without_landlock,
                     test_standard_pipeline_redirected_into_the_tree,
                     test_each_item_writes_its_own_part,
                     test_what_was_made_for_the_call_goes_again):
            print(f"-- {test.__name__}")
            test()
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
    if failures:
        print(f"FAILED: {len(failures)} failure(s)")
        return 1
    print("ok: 0 failure(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

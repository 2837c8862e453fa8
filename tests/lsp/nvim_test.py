#!/usr/bin/env python3
"""Neovim end to end: `nvim --headless` with editors/nvim on its runtimepath opens the standard
library's backend pipeline and a broken copy, and talks to the real `flowc lsp` through its own
LSP client (nvim_test.lua). Fails, never skips, when nvim is not installed (scripts/setup
installs it).

Usage: nvim_test.py FLOWC
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def main():
    flowc = os.path.abspath(sys.argv[1])
    nvim = shutil.which("nvim")
    if not nvim:
        print("FAIL: nvim is not installed (apt-get install neovim, or run scripts/setup)")
        return 1
    backend = os.path.join(ROOT, "stdlib", "backend.flow")
    text = open(backend, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as tmp:
        broken = os.path.join(tmp, "broken.flow")
        with open(broken, "w", encoding="utf-8") as f:
            f.write(text.replace("  backend-planner review code-review retries 2\n>",
                                 "  backend-plannr review code-review retries 2\n>"))
        expected = json.loads(subprocess.run([flowc, "check", "--format", "json", broken],
                                             capture_output=True, text=True).stdout)
        out = os.path.join(tmp, "out.json")
        env = dict(os.environ, FLOW_TEST_FLOWC=flowc, FLOW_TEST_FILE=backend,
                   FLOW_TEST_BROKEN=broken, FLOW_TEST_OUT=out, HOME=tmp,
                   XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp, XDG_STATE_HOME=tmp)
        r = subprocess.run([nvim, "--headless", "--clean", "--cmd",
                            "set rtp^=" + os.path.join(ROOT, "editors", "nvim"),
                            "-c", "luafile " + os.path.join(HERE, "nvim_test.lua")],
                           env=env, capture_output=True, text=True, timeout=120, cwd=tmp)
        if not os.path.exists(out):
            print("FAIL: nvim wrote no results; exit", r.returncode, r.stdout, r.stderr)
            return 1
        got = json.load(open(out, encoding="utf-8"))
    print(json.dumps(got, indent=1)[:3000])
    failures = list(got["errors"])

    def expect(ok, what):
        if not ok:
            failures.append(what)

    expect(got.get("filetype") == "flow", "the filetype is not detected as flow")
    expect(got.get("syntax") == "flow", "the flow syntax is not loaded")
    expect(got.get("clients") == 1, "the language server is not attached")
    expect(got.get("diagnostics") == 0, "the standard library's pipeline has diagnostics")
    expect("**agent** `backend-planner`" in got.get("hover", "") and "opus" in got["hover"],
           "hover does not describe backend-planner")
    expect(got.get("jumped_to") == os.path.join(ROOT, "stdlib", "agents",
                                                "backend-validation-agent.md"),
           "definition did not jump to the agent's file")
    expect(got.get("jumped_line") == 1, "definition did not jump to the file's first line")
    expect("code-review" in got.get("completion", []), "completion after `review` lacks "
           "code-review")
    want = sorted((d["code"], d["line"] - 1, d["message"]) for d in expected["diagnostics"])
    have = sorted((d["code"], d["lnum"], d["message"]) for d in got.get("broken", []))
    expect(want and have == want, f"broken copy: diagnostics {have}, flowc check says {want}")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

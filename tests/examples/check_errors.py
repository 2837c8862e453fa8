#!/usr/bin/env python3
"""Checks examples/errors/: one small file per diagnostic code.

- every file `CODE-short-name.flow` makes `flowc check --format json` report CODE, and
  nothing but CODE (one mistake per file, so each file teaches one diagnostic);
- a file named for an error makes `flowc check` exit non-zero; one named for a warning exits 0;
- every code the compiler registers (compiler/diagnostics.def, lang/syntax_errors.h, each
  confirmed by `flowc explain CODE`) has a file.

Usage: check_errors.py FLOWC SOURCE_DIR
"""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stdlib"))
from flowtest import expect, finish, main_guard, run  # noqa: E402

CODE = re.compile(r"\b([EW]\d{4})\b")


def codes_in_json(node, out):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "code" and isinstance(value, str) and CODE.fullmatch(value):
                out.append(value)
            else:
                codes_in_json(value, out)
    elif isinstance(node, list):
        for value in node:
            codes_in_json(value, out)
    return out


def reported_codes(flowc, path):
    code, out, err = run([flowc, "check", "--format", "json", path])
    try:
        codes = codes_in_json(json.loads(out), [])
    except ValueError:
        codes = CODE.findall(out + err)
        print(f"note: {os.path.basename(path)}: output is not JSON, read codes from text")
    return code, codes, out + err


def registered_codes(flowc, src):
    """Every code the tools can report: the compiler's registry (compiler/diagnostics.def) and
    the syntax errors (lang/syntax_errors.h), each confirmed by `flowc explain CODE`."""
    codes = set()
    for rel, pattern in (("compiler/diagnostics.def", r"DIAG\(([EW]\d{4}),"),
                         ("lang/syntax_errors.h", r'FLOW_ERROR\([^,]+,\s*"([EW]\d{4})"')):
        path = os.path.join(src, rel)
        found = set(re.findall(pattern, open(path, encoding="utf-8").read())) if os.path.exists(path) else set()
        expect(found, f"no diagnostic codes found in {rel}")
        codes |= found
    for c in sorted(codes):
        code, out, err = run([flowc, "explain", c])
        expect(code == 0 and out.strip(), f"`flowc explain {c}` does not explain it (exit {code})")
    return codes


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    flowc, src = sys.argv[1:]
    files = sorted(glob.glob(os.path.join(src, "examples", "errors", "*.flow")))
    covered = set()
    for path in files:
        name = os.path.basename(path)
        m = re.match(r"([EW]\d{4})-[a-z0-9-]+\.flow$", name)
        if not expect(m, f"{name}: not named CODE-short-name.flow"):
            continue
        want = m.group(1)
        covered.add(want)
        exit_code, codes, text = reported_codes(flowc, path)
        expect(want in codes, f"{name}: expected {want}, got {codes}\n{text}")
        others = sorted(set(codes) - {want})
        expect(not others, f"{name}: reports {others} besides {want}\n{text}")
        if want.startswith("E"):
            expect(exit_code != 0, f"{name}: an error but flowc check exited 0")
        else:
            expect(exit_code == 0, f"{name}: only a warning but flowc check exited {exit_code}")
    registered = registered_codes(flowc, src)
    missing = sorted(registered - covered)
    expect(not missing, f"codes without a file in examples/errors/: {missing}")
    stale = sorted(covered - registered) if registered else []
    expect(not stale, f"files for codes that are not registered: {stale}")
    print(f"{len(files)} files, {len(registered)} registered codes")
    return finish("examples/errors")


if __name__ == "__main__":
    main_guard(main)

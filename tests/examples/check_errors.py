#!/usr/bin/env python3
"""Checks examples/errors/: one small file per diagnostic code.

- every file `CODE-short-name.flow` makes `flowc check --format json` report CODE, and
  nothing but CODE (one mistake per file, so each file teaches one diagnostic);
- a file named for an error makes `flowc check` exit non-zero; one named for a warning exits 0;
- every code the compiler registers (`flowc explain` lists them) has a file.

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


def registered_codes(flowc):
    code, out, err = run([flowc, "explain"])
    codes = set(CODE.findall(out))
    expect(code == 0 and codes, f"`flowc explain` lists no codes (exit {code})\n{out}{err}")
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
    registered = registered_codes(flowc)
    missing = sorted(registered - covered)
    expect(not missing, f"codes without a file in examples/errors/: {missing}")
    stale = sorted(covered - registered) if registered else []
    expect(not stale, f"files for codes that `flowc explain` does not list: {stale}")
    print(f"{len(files)} files, {len(registered)} registered codes")
    return finish("examples/errors")


if __name__ == "__main__":
    main_guard(main)

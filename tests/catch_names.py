#!/usr/bin/env python3
"""Every Catch2 test name must reach ctest as a test of its own. catch_discover_tests hands the
names to CMake as a list: an unbalanced `[` or `]` in a name makes CMake read the rest of the
list as one element (the tests after it then run as one entry under a joined name), `;` splits a
name, and a name starting with `--` is read as an option. This fails on any such name.

usage: catch_names.py SOURCE_DIR"""
import os
import re
import sys

NAME = re.compile(r'TEST_CASE\(\s*"((?:[^"\\]|\\.)*)"')


def problems(name):
    out = []
    if name.count("[") != name.count("]") or "]" in name.split("[")[0]:
        out.append("an unbalanced [ or ]")
    if ";" in name:
        out.append("a ;")
    if name.startswith("--"):
        out.append("a leading --")
    return out


def main():
    root = sys.argv[1]
    bad = 0
    for top in ("lang", "ir", "compiler", "runtime", "commands", "cli"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith("_test.cc"):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8") as src:
                    for n, line in enumerate(src, 1):
                        for name in NAME.findall(line):
                            for p in problems(name):
                                bad += 1
                                print(f"{os.path.relpath(path, root)}:{n}: test name has {p}: {name}")
    if bad:
        print(f"{bad} test name(s) would not reach ctest whole; reword them")
        return 1
    print("catch names: every test name reaches ctest whole")
    return 0


if __name__ == "__main__":
    sys.exit(main())

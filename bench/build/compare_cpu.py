#!/usr/bin/env python3
"""Compares two CPU logs of bench/build/time_build.sh (BEFORE AFTER): the totals, and the sum
over the files built in both, so that files added in between do not hide what changed for the
files that were already there; and the CPU per group of files (libraries, test binaries, ...),
which still compares when a unity build turns many files into a few."""
import re
import sys

# Groups of a build's outputs, first match wins (paths as ninja names them).
GROUPS = [
    ("header checks", r"^tests/layers/"),
    ("links", r"^bin/|\.a$"),
    ("Catch2's runner", r"catch_main"),
    ("test binaries", r"/(lang|compiler|runtime|cli)_tests\.dir/"),
    ("fuzz replay programs", r"^fuzz/"),
    ("tools (flowc, flow, model_api_probe)", r"/(flowc|flow|model_api_probe)\.dir/"),
    ("libraries", r""),
]


def group_of(output):
    return next(name for name, pattern in GROUPS if re.search(pattern, output))


def by_group(cpu):
    groups = {name: [0, 0.0] for name, _ in GROUPS}
    for output, seconds in cpu.items():
        groups[group_of(output)][0] += 1
        groups[group_of(output)][1] += seconds
    return groups


def load(path):
    cpu = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and not parts[0].startswith("Command"):
                try:
                    cpu[parts[2]] = cpu.get(parts[2], 0.0) + float(parts[0]) + float(parts[1])
                except ValueError:
                    pass  # GNU time's note on a failed command
    return cpu


def main():
    if len(sys.argv) != 3:
        print("usage: compare_cpu.py BEFORE_LOG AFTER_LOG", file=sys.stderr)
        return 2
    before, after = load(sys.argv[1]), load(sys.argv[2])
    common = sorted(set(before) & set(after))
    tb, ta = sum(before.values()), sum(after.values())
    cb, ca = sum(before[f] for f in common), sum(after[f] for f in common)
    print(f"all files:    before {tb:7.1f} s ({len(before)} files)  after {ta:7.1f} s "
          f"({len(after)} files)  after/before {ta / tb:.2f}")
    print(f"files in both: before {cb:7.1f} s  after {ca:7.1f} s  after/before {ca / cb:.2f} "
          f"({len(common)} files)")
    gb, ga = by_group(before), by_group(after)
    print("by group: files and seconds, before -> after")
    for name, _ in GROUPS:
        print(f"  {name:38} {gb[name][0]:4} {gb[name][1]:7.1f} -> {ga[name][0]:4} {ga[name][1]:7.1f}")
    print("largest changes among the files in both (seconds, before -> after):")
    for f in sorted(common, key=lambda f: after[f] - before[f])[:10]:
        print(f"  {before[f]:6.1f} -> {after[f]:6.1f}  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Compares two CPU logs of bench/build/time_build.sh (BEFORE AFTER): the totals, and the sum
over the files built in both, so that files added in between do not hide what changed for the
files that were already there."""
import sys


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
    print("largest changes among the files in both (seconds, before -> after):")
    for f in sorted(common, key=lambda f: after[f] - before[f])[:10]:
        print(f"  {before[f]:6.1f} -> {after[f]:6.1f}  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

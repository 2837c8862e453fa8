#!/usr/bin/env python3
"""Installs the npm packages the editor tests use, at the versions pinned in this directory's
package-lock.json (or in SOURCE's: the CI tests use it for theirs), into DEST/node_modules
(`npm ci`). Skips the install when DEST already holds this exact lock. Fails (exit 1) with
npm's message when npm is missing or cannot install: the tests that need these packages must
not pass without them.

Usage: install_tools.py DEST [SOURCE]
"""
import filecmp
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    dest = sys.argv[1]
    source = sys.argv[2] if len(sys.argv) == 3 else HERE
    lock = os.path.join(source, "package-lock.json")
    installed = os.path.join(dest, "node_modules", ".flow-installed-lock.json")
    if os.path.isfile(installed) and filecmp.cmp(lock, installed, shallow=False):
        print(f"install_tools: {dest} is up to date")
        return 0
    npm = shutil.which("npm")
    if not npm:
        print("install_tools: npm is needed for these tests (apt-get install npm)",
              file=sys.stderr)
        return 1
    os.makedirs(dest, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(source, name), os.path.join(dest, name))
    print(f"install_tools: npm ci in {dest}", flush=True)
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=dest)
    if result.returncode != 0:
        print(f"install_tools: npm ci failed (exit {result.returncode}); these tests need "
              "network access to the npm registry, or a filled npm cache", file=sys.stderr)
        return 1
    shutil.copyfile(lock, installed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

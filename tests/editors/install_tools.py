#!/usr/bin/env python3
"""Installs the npm packages the editor tests use, at the versions pinned in this directory's
package-lock.json, into DEST/node_modules (`npm ci`). Skips the install when DEST already holds
this exact lock. Fails (exit 1) with npm's message when npm is missing or cannot install: the
tests that need these packages must not pass without them.

Usage: install_tools.py DEST
"""
import filecmp
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dest = sys.argv[1]
    lock = os.path.join(HERE, "package-lock.json")
    installed = os.path.join(dest, "node_modules", ".flow-installed-lock.json")
    if os.path.isfile(installed) and filecmp.cmp(lock, installed, shallow=False):
        print(f"install_tools: {dest} is up to date")
        return 0
    npm = shutil.which("npm")
    if not npm:
        print("install_tools: npm is needed for the editor tests (apt-get install npm)",
              file=sys.stderr)
        return 1
    os.makedirs(dest, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(HERE, name), os.path.join(dest, name))
    print(f"install_tools: npm ci in {dest}", flush=True)
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=dest)
    if result.returncode != 0:
        print(f"install_tools: npm ci failed (exit {result.returncode}); the editor tests need "
              "network access to the npm registry, or a filled npm cache", file=sys.stderr)
        return 1
    shutil.copyfile(lock, installed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Packages editors/vscode into a .vsix with vsce, as a user would, and checks what is in it.

The extension is copied to a scratch directory, its runtime dependencies are installed there
from its package-lock.json (`npm ci --omit=dev`), and `vsce package` builds OUT_DIR/flow.vsix.
The .vsix (a zip) must hold the manifest with the fields VS Code and the Marketplace read, the
client code, the grammar (identical to editors/flow.tmLanguage.json), the snippets, the
language configuration and the client's node_modules; it is unpacked into OUT_DIR/flow-vsix,
where node loads the packaged client library and runs server_test.js and extension_test.js on
the packaged code.

Usage: package_test.py TOOLS_DIR SOURCE_DIR OUT_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, flush=True)


def run(cmd, cwd):
    print("+ " + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=600)
    print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        raise SystemExit(f"package_test: {cmd[0]} failed with exit {result.returncode}")
    return result.stdout


def build_vsix(tools, source, out_dir, scratch):
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("package_test: npm is needed (apt-get install npm)")
    stage = os.path.join(scratch, "flow-language")
    shutil.copytree(os.path.join(source, "editors", "vscode"), stage,
                    ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    run([npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], stage)
    vsix = os.path.join(out_dir, "flow.vsix")
    if os.path.exists(vsix):
        os.remove(vsix)
    vsce = os.path.join(tools, "node_modules", ".bin", "vsce")
    run([vsce, "package", "--out", vsix], stage)
    if not os.path.isfile(vsix):
        raise SystemExit(f"package_test: vsce did not write {vsix}")
    return vsix


def check_manifest(package, names):
    def need(cond, message):
        if not cond:
            fail("package.json: " + message)
    need(package.get("license") == "MIT", f"license is {package.get('license')!r}, expected MIT")
    need(isinstance(package.get("repository"), dict) and package["repository"].get("url"),
         "no repository url")
    need("onLanguage:flow" in package.get("activationEvents", []),
         "activationEvents does not hold onLanguage:flow")
    main = package.get("main", "")
    need(main and "extension/" + os.path.normpath(main) in names, f"main {main!r} is not in the .vsix")
    need("vscode-languageclient" in package.get("dependencies", {}),
         "vscode-languageclient is not a dependency")
    props = package.get("contributes", {}).get("configuration", {}).get("properties", {})
    server = props.get("flow.server.path", {})
    need(server.get("type") == "string" and server.get("default") == "flowc",
         f"flow.server.path is {server}, expected a string defaulting to flowc")
    contributes = package.get("contributes", {})
    for key in ("grammars", "snippets", "languages"):
        need(contributes.get(key), f"contributes.{key} is missing")
    for entry in contributes.get("grammars", []) + contributes.get("snippets", []):
        need("extension/" + os.path.normpath(entry["path"]) in names,
             f"{entry['path']} is not in the .vsix")


def check_snippets(snippets):
    prefixes = {s.get("prefix") for s in snippets.values()}
    for prefix in ("flow", "input", "use", "agent", "stage", "review", "run"):
        if prefix not in prefixes:
            fail(f"snippets: no snippet with the prefix {prefix!r}")
    for name, snippet in snippets.items():
        if not snippet.get("body") or not snippet.get("description"):
            fail(f"snippets: {name!r} has no body or no description")


def check_vsix(vsix, source, out_dir):
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        for required in ("extension.vsixmanifest", "extension/package.json",
                         "extension/extension.js", "extension/server.js",
                         "extension/language-configuration.json", "extension/readme.md",
                         "extension/syntaxes/flow.tmLanguage.json", "extension/snippets/flow.json",
                         "extension/node_modules/vscode-languageclient/node.js",
                         "extension/node_modules/vscode-languageserver-protocol/package.json",
                         "extension/node_modules/vscode-jsonrpc/package.json"):
            if required not in names:
                fail(f"{required} is not in the .vsix")
        if not any(n.startswith("extension/LICENSE") for n in names):
            fail("no LICENSE in the .vsix")
        if "extension/package-lock.json" in names:
            fail("package-lock.json is in the .vsix (.vscodeignore)")
        grammar = open(os.path.join(source, "editors", "flow.tmLanguage.json"), "rb").read()
        if z.read("extension/syntaxes/flow.tmLanguage.json") != grammar:
            fail("the packaged grammar differs from editors/flow.tmLanguage.json")
        check_manifest(json.loads(z.read("extension/package.json")), names)
        check_snippets(json.loads(z.read("extension/snippets/flow.json")))
        conf = json.loads(z.read("extension/language-configuration.json"))
        if not any(p.get("open") == '"""' and p.get("close") == '"""'
                   for p in conf.get("autoClosingPairs", [])):
            fail('language-configuration.json: """ does not auto-close')
        unpacked = os.path.join(out_dir, "flow-vsix")
        shutil.rmtree(unpacked, ignore_errors=True)
        z.extractall(unpacked)
    print(f"{vsix}: {len(names)} files, {os.path.getsize(vsix)} bytes", flush=True)
    return os.path.join(unpacked, "extension")


PROTOCOL_CHECK = """
const dir = process.argv[1];
const file = require.resolve("vscode-languageserver-protocol/node", { paths: [dir] });
if (!file.startsWith(dir)) throw new Error("resolved outside the extension: " + file);
if (typeof require(file).createProtocolConnection !== "function")
  throw new Error(file + " has no createProtocolConnection");
console.log("client protocol library: " + file);
"""


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    tools, source, out_dir = (os.path.abspath(a) for a in sys.argv[1:])
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        vsix = build_vsix(tools, source, out_dir, scratch)
    extension = check_vsix(vsix, source, out_dir)
    # The packaged client's protocol library loads from the extension's own node_modules
    # (vscode-languageclient itself needs the editor's `vscode` module, which node lacks).
    run(["node", "-e", PROTOCOL_CHECK, extension], extension)
    run(["node", os.path.join(HERE, "server_test.js"), extension], extension)
    run(["node", os.path.join(HERE, "extension_test.js"), extension], extension)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("vsix ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`flowc lsp` end to end: a JSON-RPC client drives the real server as a child process.

Covers diagnostics (the same codes, messages and spans as `flowc check --format json`, unsaved
buffers, imports and agent files), hover, definition, references, completion, document
symbols, rename, UTF-16 and UTF-8 positions, hostile input and the shutdown protocol.

Usage: lsp_test.py FLOWC
"""
import json
import os
import subprocess
import sys
import tempfile
import traceback

from lsp_client import Server, uri_of, utf16_len

FLOWC = None
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BACKEND = os.path.join(ROOT, "stdlib", "backend.flow")

MAIN = '''flow demo "A demo"
use "lib.flow"
input topic: text = "cats" "What to write about"
agent writer <
  description "Writes a draft"
  model sonnet
  tools Read, Write
  writes "drafts/**"
>
agent checker from "agents/checker.md"
stage draft
  writer "Write about the topic" as first-draft review checker retries 2
stage polish after draft
  writer after first-draft
rule first-draft before writer
'''
LIB = '''agent helper <
  description "Helps"
>
'''
CHECKER = '''---
name: checker
description: Checks drafts
model: haiku
tools: Read
---
You check drafts.
'''


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def project(tmp):
    main = os.path.join(tmp, "main.flow")
    write(main, MAIN)
    write(os.path.join(tmp, "lib.flow"), LIB)
    write(os.path.join(tmp, "agents", "checker.md"), CHECKER)
    return main


def line_of(text, needle):
    for i, line in enumerate(text.split("\n")):
        if needle in line:
            return i, line.index(needle)
    raise AssertionError("no line holds " + needle)


def flowc_check_json(path):
    r = subprocess.run([FLOWC, "check", "--format", "json", path], capture_output=True, text=True)
    return json.loads(r.stdout)["diagnostics"]


def started(encodings=None):
    s = Server(FLOWC)
    s.initialize(encodings)
    return s


def test_capabilities_and_clean_file(tmp):
    s = Server(FLOWC)
    caps = s.initialize()["capabilities"]
    for cap in ("hoverProvider", "definitionProvider", "referencesProvider",
                "documentSymbolProvider", "completionProvider", "renameProvider",
                "documentFormattingProvider"):
        assert caps.get(cap), cap
    assert caps["positionEncoding"] == "utf-16"
    main = project(tmp)
    s.open(main)
    assert s.diagnostics(uri_of(main)) == []
    assert s.stop() == 0


def test_diagnostics_match_flowc_check(tmp):
    broken = os.path.join(tmp, "broken.flow")
    text = open(BACKEND, encoding="utf-8").read()
    text = text.replace("backend-planner review code-review retries 2\n>",
                        "backend-plannr review code-review retries 2\n>")
    text = text.replace("after", "after", 1) + "stage extra after nowhere\n  run \"true\"\n"
    write(broken, text)
    expected = flowc_check_json(broken)
    assert expected, "the broken copy must have diagnostics"
    s = started()
    s.open(broken)
    got = s.diagnostics(uri_of(broken))
    lines = text.split("\n")
    want = []
    for d in expected:
        line = lines[d["line"] - 1]
        end_line = lines[d["end_line"] - 1]
        want.append((d["code"], d["message"], d["line"] - 1,
                     utf16_len(line.encode()[:d["col"] - 1].decode()), d["end_line"] - 1,
                     utf16_len(end_line.encode()[:d["end_col"] - 1].decode())))
    have = [(d["code"], d["message"], d["range"]["start"]["line"],
             d["range"]["start"]["character"], d["range"]["end"]["line"],
             d["range"]["end"]["character"]) for d in got]
    assert sorted(have) == sorted(want), (have, want)
    assert all(d["source"] == "flowc" for d in got)
    s.stop()


def test_unsaved_buffer_is_checked(tmp):
    main = project(tmp)
    s = started()
    # On disk the file is clean; the buffer names an undeclared agent.
    s.open(main, MAIN.replace("  writer after first-draft", "  ghost after first-draft"))
    got = s.diagnostics(uri_of(main))
    ghost = [d for d in got if d["code"] == "E0101"]
    assert len(ghost) == 1 and "`ghost`" in ghost[0]["message"], got
    line, col = line_of(MAIN, "  writer after first-draft")
    assert ghost[0]["range"]["start"] == {"line": line, "character": 2}, got
    # Typing fixes it: the next didChange publishes no diagnostics.
    s.change(main, MAIN, 2)
    assert s.diagnostics(uri_of(main)) == []
    # An open (unsaved) import is read from its buffer too.
    lib = os.path.join(tmp, "lib.flow")
    s.open(lib, LIB + "stage lib-stage\n  nobody\n")
    s.diagnostics(uri_of(lib))
    got = s.diagnostics(uri_of(main))  # re-checked: the flow imports the changed buffer
    assert [d["code"] for d in got] == ["E0101"], got
    assert "lib.flow" in got[0]["message"] and "nobody" in got[0]["message"], got
    # Fixing the import's buffer re-checks the open flow that imports it.
    s.change(lib, LIB, 2)
    assert s.diagnostics(uri_of(lib)) == []
    assert s.diagnostics(uri_of(main)) == []
    s.notify("textDocument/didClose", {"textDocument": {"uri": uri_of(main)}})
    assert s.diagnostics(uri_of(main)) == []
    s.stop()


def test_import_and_agent_file_diagnostics(tmp):
    main = project(tmp)
    write(os.path.join(tmp, "lib.flow"), LIB + "stage lib-stage\n  nobody\n")
    write(os.path.join(tmp, "agents", "checker.md"), "---\nname: checker\ntools: Read\n---\n")
    expected = flowc_check_json(main)
    s = started()
    s.open(main)
    lib_diags = s.diagnostics(uri_of(os.path.join(tmp, "lib.flow")))
    md_diags = s.diagnostics(uri_of(os.path.join(tmp, "agents", "checker.md")))
    main_diags = s.diagnostics(uri_of(main))
    # flowc reports them in the checked file (at the `use` and the `from`), the place where they
    # were found kept as a related location; the server publishes them in that file too.
    assert all(d["file"].endswith("main.flow") for d in expected), expected

    def found_in(d, name):
        return any(r["file"].endswith(name) for r in d.get("related", [])[:1])
    want_lib = [(d["code"], d["message"]) for d in expected if found_in(d, "lib.flow")]
    want_md = [(d["code"], d["message"]) for d in expected if found_in(d, "checker.md")]
    assert want_lib and want_md, expected
    assert [(d["code"], d["message"]) for d in lib_diags] == want_lib, lib_diags
    assert [(d["code"], d["message"]) for d in md_diags] == want_md, md_diags
    # Reported at the reference too: the `use` line and the agent's `from` string.
    use_line, _ = line_of(MAIN, 'use "lib.flow"')
    from_line, _ = line_of(MAIN, 'from "agents/checker.md"')
    at = sorted(d["range"]["start"]["line"] for d in main_diags)
    assert at == sorted([use_line, from_line]), main_diags
    # The agent file's unsaved buffer is what counts: fixed there, the problem is gone.
    md = os.path.join(tmp, "agents", "checker.md")
    s.open(md, CHECKER)
    r = s.at("textDocument/hover", md, 0, 0)
    assert r["error"]["code"] == -32602 and "agent file" in r["error"]["message"], r
    s.change(main, MAIN + "\n", 2)
    main_diags = s.diagnostics(uri_of(main))
    assert [d["range"]["start"]["line"] for d in main_diags] == [use_line], main_diags
    s.stop()


def hover_text(s, path, line, col):
    r = s.at("textDocument/hover", path, line, col)["result"]
    assert r is not None, (line, col)
    return r["contents"]["value"]


def test_hover(tmp):
    main = project(tmp)
    s = started()
    s.open(main)
    line, col = line_of(MAIN, 'writer "Write about')
    h = hover_text(s, main, line, col + 1)
    for part in ("Writes a draft", "sonnet", "Read, Write", "drafts/**", "review checker"):
        assert part in h, h
    line, col = line_of(MAIN, "checker retries")
    h = hover_text(s, main, line, col)
    assert "Checks drafts" in h and "haiku" in h, h
    line, col = line_of(MAIN, "first-draft review")
    h = hover_text(s, main, line, col)
    assert "**step**" in h and "writer" in h and "review checker" in h, h
    # A step renamed with `as`: the agent's hover names the step by that name, and the step's
    # hover describes the agent it calls.
    line, col = line_of(MAIN, 'writer "Write about')
    h = hover_text(s, main, line, col + 1)
    assert h.startswith("**agent** `writer`") and "**step** `first-draft`" in h, h
    assert "**step** `writer`" not in h and "focus: Write about the topic" in h, h
    line, col = line_of(MAIN, "first-draft review")
    h = hover_text(s, main, line, col)
    assert h.startswith("**step** `first-draft`") and "- agent: `writer`" in h, h
    assert "**agent** `writer`" in h and "Writes a draft" in h and "drafts/**" in h, h
    line, col = line_of(MAIN, "input topic")
    h = hover_text(s, main, line, col + 7)
    assert "text" in h and '"cats"' in h and "What to write about" in h, h
    line, col = line_of(MAIN, "stage polish after draft")
    h = hover_text(s, main, line, col + len("stage polish after d"))
    assert "**stage** `draft`" in h, h
    assert s.at("textDocument/hover", main, 0, 0)["result"] is None
    s.stop()


def location(s, path, line, col, method="textDocument/definition"):
    r = s.at(method, path, line, col)["result"]
    assert r is not None, (line, col)
    return r["uri"], r["range"]["start"]["line"], r["range"]["start"]["character"]


def test_definition(tmp):
    main = project(tmp)
    s = started()
    s.open(main)
    u = uri_of(main)
    line, col = line_of(MAIN, 'writer "Write about')
    assert location(s, main, line, col) == (u,) + line_of(MAIN, "writer <")[:1] + (6,)
    line, col = line_of(MAIN, "checker retries")
    assert location(s, main, line, col)[0] == uri_of(os.path.join(tmp, "agents", "checker.md"))
    line, col = line_of(MAIN, "after first-draft")
    assert location(s, main, line, col + 7) == (u,) + line_of(MAIN, "first-draft review")
    line, col = line_of(MAIN, "after draft")
    assert location(s, main, line, col + 7) == (u,) + (line_of(MAIN, "stage draft")[0], 6)
    line, col = line_of(MAIN, '"lib.flow"')
    assert location(s, main, line, col + 2)[0] == uri_of(os.path.join(tmp, "lib.flow"))
    s.open(BACKEND)
    s.diagnostics(uri_of(BACKEND))
    text = open(BACKEND, encoding="utf-8").read()
    line, col = line_of(text, "use std/policies")
    assert location(s, BACKEND, line, col + 6)[0] == uri_of(os.path.join(ROOT, "stdlib",
                                                                          "policies.flow"))
    line, col = line_of(text, "backend-planner review")
    assert location(s, BACKEND, line, col)[0] == uri_of(
        os.path.join(ROOT, "stdlib", "agents", "backend-planner.md"))
    s.stop()


def test_references(tmp):
    main = project(tmp)
    s = started()
    s.open(main)
    line, col = line_of(MAIN, "writer <")
    r = s.at("textDocument/references", main, line, col + 1,
             context={"includeDeclaration": True})["result"]
    # the declaration, two calls and the rule
    assert len(r) == 4, r
    r = s.at("textDocument/references", main, line, col + 1,
             context={"includeDeclaration": False})["result"]
    assert len(r) == 3, r
    s.stop()


def labels(s, path, line, col):
    r = s.at("textDocument/completion", path, line, col)["result"]
    return {i["label"] for i in r["items"]}


def test_completion(tmp):
    main = project(tmp)
    text = MAIN + "use \nstage more\n  \n  writer review \nagent extra <\n  \n>\n"
    s = started()
    s.open(main, text)
    lines = text.split("\n")
    n = len(MAIN.split("\n")) - 1
    assert {"std/backend", "std/policies"} <= labels(s, main, n, 4)
    got = labels(s, main, n + 2, 2)
    assert {"stage", "agent", "run", "parallel", "writer", "checker"} <= got, got
    got = labels(s, main, n + 3, len(lines[n + 3]))
    assert {"writer", "checker", "helper"} <= got and "stage" not in got, got
    got = labels(s, main, n + 5, 2)
    assert {"description", "model", "tools", "writes", "prompt"} <= got, got
    assert "stage" not in got, got
    line, col = line_of(text, "stage polish after draft")
    got = labels(s, main, line, len("stage polish after "))
    assert {"draft", "first-draft"} <= got, got
    s.stop()


def test_document_symbols(tmp):
    main = project(tmp)
    s = started()
    s.open(main)
    r = s.request("textDocument/documentSymbol",
                  {"textDocument": {"uri": uri_of(main)}})["result"]
    names = [x["name"] for x in r]
    assert names == ["demo", "topic", "writer", "checker", "draft", "polish"], names
    draft = r[4]
    assert [c["name"] for c in draft["children"]] == ["first-draft"], draft
    s.open(BACKEND)
    r = s.request("textDocument/documentSymbol",
                  {"textDocument": {"uri": uri_of(BACKEND)}})["result"]
    planning = next(x for x in r if x["name"] == "planning")
    par = planning["children"][1]
    assert par["name"] == "parallel" and len(par["children"]) == 4, par
    s.stop()


def test_rename(tmp):
    main = project(tmp)
    s = started()
    s.open(main)
    line, col = line_of(MAIN, "writer <")
    r = s.at("textDocument/rename", main, line, col, newName="author")
    edits = r["result"]["changes"][uri_of(main)]
    assert len(edits) == 4 and all(e["newText"] == "author" for e in edits), edits
    got = MAIN.split("\n")
    for e in sorted(edits, key=lambda e: -e["range"]["start"]["character"]):
        a, b = e["range"]["start"], e["range"]["end"]
        assert a["line"] == b["line"]
        l = got[a["line"]]
        got[a["line"]] = l[:a["character"]] + "author" + l[b["character"]:]
    renamed = os.path.join(tmp, "renamed.flow")
    write(renamed, "\n".join(got))
    assert flowc_check_json(renamed) == [], "the renamed flow must still check"
    line, col = line_of(MAIN, "first-draft review")
    r = s.at("textDocument/rename", main, line, col, newName="second")
    assert len(r["result"]["changes"][uri_of(main)]) == 3, r  # as, after, the rule
    for bad in ("stage", "9lives", "bad-", "two words", "helper"):
        r = s.at("textDocument/rename", main, 3, 7, newName=bad)
        assert "error" in r and r["error"]["code"] == -32803, (bad, r)
        assert r["error"]["message"], r
    r = s.at("textDocument/prepareRename", main, 3, 7)["result"]
    assert r["placeholder"] == "writer", r
    s.stop()


def test_formatting(tmp):
    """The unsaved text formatted as `flowc fmt` formats it, as one edit over the document; no
    edit for a formatted file; an error, and nothing changed, for a syntax error."""
    messy = 'agent writer <\n      description   "Writes"\n>\nstage s    writer   "😀 x"  # note\n'
    path = os.path.join(tmp, "messy.flow")
    write(path, "# on disk\n")
    s = started()
    s.open(path, messy)
    r = s.request("textDocument/formatting", {"textDocument": {"uri": uri_of(path)},
                                              "options": {"tabSize": 2, "insertSpaces": True}})
    edits = r["result"]
    want = subprocess.run([FLOWC, "fmt", "-"], input=messy, capture_output=True, text=True).stdout
    assert want != messy and len(edits) == 1, edits
    assert edits[0]["newText"] == want, edits
    last = messy.split("\n")
    assert edits[0]["range"] == {"start": {"line": 0, "character": 0},
                                 "end": {"line": len(last) - 1, "character": utf16_len(last[-1])}}, edits
    s.open(os.path.join(tmp, "clean.flow"), want)
    r = s.request("textDocument/formatting", {"textDocument": {"uri": uri_of(os.path.join(tmp, "clean.flow"))},
                                              "options": {"tabSize": 2, "insertSpaces": True}})
    assert r["result"] == [], r
    s.open(os.path.join(tmp, "bad.flow"), "stage s <\n")
    r = s.request("textDocument/formatting", {"textDocument": {"uri": uri_of(os.path.join(tmp, "bad.flow"))},
                                              "options": {"tabSize": 2, "insertSpaces": True}})
    assert "error" in r and "cannot format" in r["error"]["message"] and "bad.flow:1:10: error[E0010]" in r["error"]["message"], r
    s.stop()


def test_positions_utf16_and_utf8(tmp):
    text = 'agent writer <\n  description "w"\n>\nstage s\n  writer "😀é" as named after nowhere\n'
    path = os.path.join(tmp, "wide.flow")
    write(path, text)
    line = text.split("\n")[4]
    for encodings, measure in ((None, utf16_len), (["utf-8"], lambda t: len(t.encode()))):
        s = Server(FLOWC)
        caps = s.initialize(encodings)["capabilities"]
        assert caps["positionEncoding"] == ("utf-8" if encodings else "utf-16")
        s.open(path)
        d = s.diagnostics(uri_of(path))
        assert [x["code"] for x in d] == ["E0103"], d
        start = measure(line[:line.index("nowhere")])
        assert d[0]["range"]["start"] == {"line": 4, "character": start}, (encodings, d)
        assert d[0]["range"]["end"]["character"] == start + 7
        col = measure(line[:line.index("named")]) + 1
        h = hover_text(s, path, 4, col)
        assert "**step** `named`" in h, (encodings, h)
        s.stop()


def test_hostile_input(tmp):
    main = project(tmp)
    s = Server(FLOWC)
    # Before initialize, a request is refused.
    r = s.request("textDocument/hover", {})
    assert r["error"]["code"] == -32002, r
    s.initialize()
    s.write_raw(b"Content-Length: 5\r\n\r\n{oops")
    assert s.read()["error"]["code"] == -32700
    s.write_raw(b"Content-Type: x\r\n\r\n")  # no Content-Length: skipped, logged
    s.write_raw(b"Content-Length: abc\r\n\r\n")
    s.send([1, 2, 3])
    assert s.read()["error"]["code"] == -32600
    s.send({"jsonrpc": "2.0", "id": 7})
    assert s.read()["error"]["code"] == -32600
    r = s.request("no/such/method", {})
    assert r["error"]["code"] == -32601, r
    s.notify("no/such/notification", {})
    r = s.request("textDocument/hover", {"textDocument": {"uri": 5}, "position": {}})
    assert r["error"]["code"] == -32602, r
    r = s.request("textDocument/hover", "not an object")
    assert r["error"]["code"] == -32602, r
    r = s.at("textDocument/hover", os.path.join(tmp, "not-open.flow"), 0, 0)
    assert r["error"]["code"] == -32602 and "not open" in r["error"]["message"], r
    s.open(main)
    s.diagnostics(uri_of(main))
    for line, col in ((0, 10 ** 6), (10 ** 6, 0), (10 ** 6, 10 ** 6)):
        for m in ("textDocument/hover", "textDocument/definition", "textDocument/completion",
                  "textDocument/references"):
            assert "result" in s.at(m, main, line, col), (m, line, col)
    r = s.at("textDocument/hover", main, -1, 0)
    assert r["error"]["code"] == -32602, r
    s.notify("textDocument/didChange", {"textDocument": {"uri": uri_of(main)}})  # no changes
    s.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:1", "text": "x"}})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri_of(main), "text": "\xff\x00<<"}})
    s.diagnostics(uri_of(main))
    assert s.request("initialize", {})["error"]["code"] == -32600
    assert s.stop() == 0
    assert s.proc.stdout.read() == b"", "nothing after exit"
    assert "not valid JSON" in s.stderr() or "Content-Length" in s.stderr(), s.stderr()


def test_shutdown_protocol(tmp):
    s = started()
    s.notify("exit")
    assert s.proc.wait(timeout=20) == 1, "exit without shutdown is status 1"
    s = started()
    assert s.request("shutdown")["result"] is None
    r = s.request("textDocument/hover", {})
    assert r["error"]["code"] == -32600, r
    s.notify("exit")
    assert s.proc.wait(timeout=20) == 0
    s = started()
    s.proc.stdin.close()
    assert s.proc.wait(timeout=20) == 1, "the input ending without exit is status 1"


def main():
    global FLOWC
    FLOWC = os.path.abspath(sys.argv[1])
    failures = 0
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    for name, fn in tests:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                fn(tmp)
                print("ok   " + name)
            except Exception:
                failures += 1
                print("FAIL " + name)
                traceback.print_exc()
    print(f"{len(tests) - failures}/{len(tests)} passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

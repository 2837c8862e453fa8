#!/usr/bin/env python3
"""Checks the editor syntax description in editors/.

- editors/flow.tmLanguage.json parses as JSON and every regex in it compiles;
- its reserved-keyword pattern lists exactly the reserved keywords of docs/language.md;
- the keyword pattern respects identifier boundaries (`stage` yes, `stage-x` and `my-stage` no);
- the words the language does not reserve (agent fields...) are not keywords everywhere;
- the VS Code extension's manifest and language configuration parse, name the right files and
  declare `#` comments and the `< >` and `[ ]` brackets, and its copy of the grammar is
  identical to editors/flow.tmLanguage.json;
- the Neovim syntax file (editors/nvim/syntax/flow.vim) lists exactly the reserved keywords of
  docs/language.md as `flowKeyword`, and the Neovim plugin has its filetype detection,
  ftplugin and lua module.

Usage: check_editor_grammar.py SOURCE_DIR
"""
import json
import os
import re
import sys

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def regexes(node, where="grammar"):
    """Yields (location, regex) for every match/begin/end in the grammar."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end") and isinstance(value, str):
                yield f"{where}.{key}", value
            else:
                yield from regexes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from regexes(value, f"{where}[{i}]")


def reserved_keywords(language_md):
    text = open(language_md, encoding="utf-8").read()
    m = re.search(r"\*\*Keywords\*\* are reserved[^`]*`([^`]*)`", text)
    if not m:
        fail("could not find the reserved keyword list in docs/language.md")
        return set()
    return set(m.group(1).split())


def check_nvim(root, doc_keywords):
    nvim = os.path.join(root, "editors", "nvim")
    syntax = open(os.path.join(nvim, "syntax", "flow.vim"), encoding="utf-8").read()
    words = set()
    for line in syntax.splitlines():
        parts = line.split()
        if parts[:3] == ["syntax", "keyword", "flowKeyword"]:
            words.update(parts[3:])
    if words != doc_keywords:
        fail("editors/nvim/syntax/flow.vim: flowKeyword differs from docs/language.md: "
             f"only in the syntax file {sorted(words - doc_keywords)}, "
             f"only in docs {sorted(doc_keywords - words)}")
    for line in syntax.splitlines():
        parts = line.split()
        if parts[:2] == ["syntax", "keyword"] and parts[2] != "flowKeyword":
            reserved = doc_keywords & set(parts[3:])
            if reserved:
                fail(f"editors/nvim/syntax/flow.vim: {parts[2]} lists reserved keywords "
                     f"{sorted(reserved)}")
    if "syntax iskeyword @,48-57,_,-,." not in syntax:
        fail("editors/nvim/syntax/flow.vim: `-` and `.` must be keyword characters, or "
             "`stage` would be highlighted inside `my-stage`")
    for rel in ("ftdetect/flow.vim", "ftplugin/flow.lua", "lua/flow/init.lua"):
        if not os.path.isfile(os.path.join(nvim, rel)):
            fail(f"editors/nvim/{rel} is missing")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    grammar_path = os.path.join(root, "editors", "flow.tmLanguage.json")
    with open(grammar_path, encoding="utf-8") as f:
        grammar_text = f.read()
    grammar = json.loads(grammar_text)

    if grammar.get("scopeName") != "source.flow":
        fail(f"scopeName is {grammar.get('scopeName')!r}, expected 'source.flow'")

    count = 0
    for where, rx in regexes(grammar):
        count += 1
        try:
            re.compile(rx)
        except re.error as e:
            fail(f"{where}: regex {rx!r} does not compile: {e}")
    if count < 10:
        fail(f"only {count} regexes found in the grammar")

    # Every include must name a repository entry.
    repo = grammar.get("repository", {})
    for where, node in [("grammar", grammar)] + [(k, v) for k, v in repo.items()]:
        for inc in re.findall(r'"include":\s*"#([^"]+)"', json.dumps(node)):
            if inc not in repo:
                fail(f"{where}: include #{inc} names no repository entry")

    keyword_rx = repo.get("keyword", {}).get("match", "")
    m = re.search(r"\(\?:([a-z|]+)\)", keyword_rx)
    grammar_keywords = set(m.group(1).split("|")) if m else set()
    doc_keywords = reserved_keywords(os.path.join(root, "docs", "language.md"))
    if not doc_keywords:
        fail("docs/language.md lists no keywords")
    if grammar_keywords != doc_keywords:
        fail("keyword list differs from docs/language.md: "
             f"only in grammar {sorted(grammar_keywords - doc_keywords)}, "
             f"only in docs {sorted(doc_keywords - grammar_keywords)}")

    kw = re.compile(keyword_rx)
    for word in sorted(doc_keywords):
        if not kw.fullmatch(word):
            fail(f"keyword pattern does not match {word!r}")
    for text in ("stage-x", "my-stage", "stages", "uses_2", "reviewer"):
        for hit in kw.finditer(text):
            fail(f"keyword pattern matches {hit.group(0)!r} inside the identifier {text!r}")

    # The words that mean something in one place only are coloured there, not everywhere:
    # agent fields inside an agent's block; the words of modifiers and rules by the patterns
    # for those (tests/editors/grammar_test.js checks them token by token).
    fields = re.compile(repo.get("agent-field", {}).get("match", "$^"))
    for word in ("description", "model", "tools", "disallowed-tools", "permission-mode",
                 "max-turns", "writes", "role", "prompt"):
        if not fields.fullmatch(word):
            fail(f"agent field pattern does not match {word!r}")
    for text in ("models", "my-role", "prompt-x", "tools2"):
        if any(h.group(0) != text for h in fields.finditer(text)):
            fail(f"agent field pattern matches inside the identifier {text!r}")
    top = [p.get("include") for p in repo["statements"]["patterns"]]
    if "#agent-field" in top or "#contextual-keyword" in top:
        fail("words that are not reserved must not be keywords everywhere (statements)")

    ident = re.compile(repo["identifier"]["match"])
    for good in ("code-review", "dotnet-framework-4.8-expert", "_x"):
        if ident.fullmatch(good) is None:
            fail(f"identifier pattern does not match the identifier {good!r}")
    for bad in ("bad-", "bad.", "a..b"):
        if ident.fullmatch(bad) is not None:
            fail(f"identifier pattern matches {bad!r}, which is not an identifier")

    # `when` conditions: each form is split into its parts, and nothing else is taken for one.
    cond = re.compile(repo["condition"]["match"])
    for text, parts in (
        ("when deep", ("when", None, "deep", None, None, None)),
        ("when not deep", ("when", "not", "deep", None, None, None)),
        ('when mode == "fast"', ("when", None, "mode", "==", None, None)),
        ('when mode!="fast"', ("when", None, "mode", "!=", None, None)),
        ("when validate passed", ("when", None, "validate", None, "passed", None)),
        ("when not validate passed cleanly", ("when", "not", "validate", None, "passed", "cleanly")),
        ("when validate passed-on", ("when", None, "validate", None, None, None)),
    ):
        m = cond.match(text)
        if m is None or m.groups() != parts:
            fail(f"condition pattern on {text!r}: {m.groups() if m else None}, expected {parts}")
    for text in ("whenever deep", "my-when deep", "when-x deep"):
        if cond.search(text):
            fail(f"condition pattern matches inside {text!r}")
    order = [p.get("include") for p in repo["statements"]["patterns"]]
    if order.index("#condition") > order.index("#keyword"):
        fail("the condition pattern must come before the keyword pattern, or `when` wins alone")

    escape = re.compile(repo["string"]["patterns"][0]["match"])
    for good in (r"\"", r"\\", r"\n", r"\t", r"\r", r"\u{1F600}"):
        if not escape.fullmatch(good):
            fail(f"escape pattern rejects the valid escape {good}")
    for bad in (r"\q", r"\u{}", r"\u{1234567}"):
        if escape.fullmatch(bad):
            fail(f"escape pattern accepts the invalid escape {bad}")

    # The VS Code extension.
    vs = os.path.join(root, "editors", "vscode")
    package = json.load(open(os.path.join(vs, "package.json"), encoding="utf-8"))
    langs = package["contributes"]["languages"]
    grammars = package["contributes"]["grammars"]
    if not any(".flow" in l.get("extensions", []) for l in langs):
        fail("package.json does not associate the .flow extension")
    for g in grammars:
        if g.get("scopeName") != "source.flow":
            fail("package.json grammar scopeName is not source.flow")
        copy = os.path.normpath(os.path.join(vs, g["path"]))
        if not os.path.isfile(copy):
            fail(f"package.json grammar path {g['path']} does not exist")
        elif open(copy, encoding="utf-8").read() != grammar_text:
            fail(f"{g['path']} differs from editors/flow.tmLanguage.json (copy it again)")
    for l in langs:
        conf_path = os.path.normpath(os.path.join(vs, l["configuration"]))
        conf = json.load(open(conf_path, encoding="utf-8"))
        if conf.get("comments", {}).get("lineComment") != "#":
            fail("language-configuration.json: line comments are not `#`")
        brackets = [tuple(b) for b in conf.get("brackets", [])]
        for pair in (("<", ">"), ("[", "]")):
            if pair not in brackets:
                fail(f"language-configuration.json: missing bracket pair {pair}")

    check_nvim(root, doc_keywords)

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"editor grammar ok: {count} regexes, {len(doc_keywords)} keywords")
    return 0


if __name__ == "__main__":
    sys.exit(main())

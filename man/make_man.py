#!/usr/bin/env python3
"""Writes the manual page of flowc or flow: what the tool's --help and its commands' --help say
(so the page lists what the binary really has), with the section `## TOOL` of a docs page
(docs/cli.md) as the description.

usage: make_man.py TOOL BINARY VERSION DOC.md OUT.1
With --markdown NAME SECTION VERSION DOC.md OUT, writes a whole markdown page as a manual page
(docs/language.md as flow-language(7))."""
import re
import subprocess
import sys


def help_of(binary, *command):
    p = subprocess.run([binary, *command, "--help"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"make_man.py: `{binary} {' '.join(command)} --help` exited {p.returncode}")
    return p.stdout


def ascii_only(text):
    """Characters outside ASCII as groff's \\[uXXXX], so no input encoding is assumed."""
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def literal(line):
    """A line shown as it is (in a code block)."""
    line = ascii_only(line.replace("\\", "\\e"))
    return "\\&" + line if line[:1] in (".", "'") else line


def roff(text):
    """Plain text or a markdown line as roff: `code` in bold, links as their text."""
    text = ascii_only(text.replace("\\", "\\e"))
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"`([^`]+)`", lambda m: "\\fB" + m.group(1) + "\\fR", text)
    text = text.replace("-", "\\-")
    return "\n".join(("\\&" + line if line[:1] in (".", "'") else line) for line in text.split("\n"))


def split_entry(line):
    parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def entries(help_text, title):
    """(head, description) of each entry of a section of a --help text."""
    lines = help_text.split("\n")
    if title + ":" not in lines:
        return []
    out = []
    for line in lines[lines.index(title + ":") + 1:]:
        if not line.strip():
            break
        if line.startswith("   ") and out:  # the description, on its own line
            out[-1] = (out[-1][0], line.strip())
        else:
            out.append(split_entry(line))
    return out


def footer(help_text):
    """The text after the last section, split into (other text, exit status lines)."""
    blocks = help_text.rstrip("\n").split("\n\n")
    rest = [b for b in blocks[1:] if not re.match(r"^(Positionals|Options|Subcommands):", b)]
    text = "\n\n".join(rest)
    other, _, status = text.partition("Exit status:")
    return other.strip(), status.strip("\n")


def option_items(help_text, title):
    out = []
    for head, desc in entries(help_text, title):
        names, _, kind = head.partition(" ")
        out += [".TP", "\\fB" + roff(names).replace(",", "\\fR, \\fB") + "\\fR" +
                (" \\fI" + roff(kind) + "\\fR" if kind else ""), roff(desc)]
    return out


def doc_paragraphs(path, heading):
    """The paragraphs of prose in the section `## HEADING` of a markdown page."""
    lines = open(path, encoding="utf-8").read().split("\n")
    if "## " + heading not in lines:
        sys.exit(f"make_man.py: {path} has no section `## {heading}`")
    paragraphs, current = [], []
    for line in lines[lines.index("## " + heading) + 1:] + [""]:
        if line.startswith("#"):
            break
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return paragraphs


def page(tool, binary, version, doc):
    top = help_of(binary)
    summary = top.split("\n")[0].split(":", 1)[-1].split(" - ", 1)[-1].strip().rstrip(".")
    commands = [head for head, _ in entries(top, "Subcommands")]
    out = [f'.TH {tool.upper()} 1 "" "{tool} {version}" "User Commands"', ".SH NAME",
           f"{tool} \\- {roff(summary)}", ".SH SYNOPSIS", f"\\fB{tool}\\fR [\\fIOPTIONS\\fR] "
           "\\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR] [\\fIARGUMENTS\\fR]", ".SH DESCRIPTION"]
    for paragraph in doc_paragraphs(doc, tool):
        out += [roff(paragraph), ".PP"]
    other, status = footer(top)
    out += [roff(other.replace("\n", " ")), ".SH OPTIONS"] + option_items(top, "Options")
    out += [".SH COMMANDS"]
    for command in commands:
        text = help_of(binary, command)
        usage = next(line for line in text.split("\n") if line.startswith("Usage:"))
        out += [f".SS {command}", "\\fB" + tool + " " + command + "\\fR " +
                roff(usage.split(command, 1)[-1].strip()), ".PP", roff(text.split("\n")[0])]
        out += option_items(text, "Positionals") + option_items(text, "Options")
        sub_other, _ = footer(text)
        if sub_other and sub_other != other:  # commands inherit the tool's own footer
            out += [".PP", roff(sub_other.replace("\n", " "))]
    if status:
        out += [".SH EXIT STATUS"]
        for line in status.split("\n"):
            code, _, meaning = line.strip().partition(" ")
            if code.isdigit():
                out += [".TP", f".B {code}", roff(meaning.strip())]
            elif line.strip():
                out[-1] += " " + roff(line.strip())
    out += [".SH ENVIRONMENT", ".TP", ".B NO_COLOR",
            "Set to anything but the empty string: no colour with \\fB\\-\\-color auto\\fR.",
            ".TP", ".B FORCE_COLOR",
            "Set to anything but the empty string or 0: colour with \\fB\\-\\-color auto\\fR, "
            "even into a pipe.", ".SH SEE ALSO",
            ("flow(1)" if tool == "flowc" else "flowc(1)") +
            ", and the documentation in the docs/ directory of the flow sources."]
    return "\n".join(out) + "\n"


def markdown_body(lines):
    """A markdown page as roff: sections, paragraphs, bullets, code blocks and tables."""
    out, paragraph, fence = [], [], None

    def flush():
        if paragraph:
            out.append(roff(" ".join(paragraph)))
            paragraph.clear()

    for line in lines:
        if fence is not None:
            if line.startswith("```"):
                out += [".fi", ".RE", ".PP"]
                fence = None
            else:
                out.append(literal(line))
            continue
        bullet = re.match(r"^( *)[*-] (.*)", line)
        if line.startswith("```"):
            flush()
            out += [".PP", ".RS 4", ".nf"]
            fence = line
        elif line.startswith("<!--"):
            continue
        elif line.startswith("#"):
            flush()
            level, title = len(line) - len(line.lstrip("#")), line.lstrip("#").strip()
            out.append((".SH " if level <= 2 else ".SS ") + '"' + roff(title).replace('"', "") + '"')
        elif line.startswith("|"):
            flush()
            if not re.match(r"^\|[ |:-]+\|$", line):  # not the |---| row
                cells = [c.strip() for c in line.strip("|").split("|")]
                out += [".PP", roff(" \u2014 ".join(cells).replace("\\|", "|"))]
        elif bullet:
            flush()
            out.append(".IP \\(bu 2" if not bullet.group(1) else ".IP \\(en 6")
            paragraph.append(bullet.group(2))
        elif not line.strip():
            flush()
            out.append(".PP")
        else:
            paragraph.append(line.strip())
    flush()
    # A paragraph break right after another or after a heading says nothing.
    body = []
    for item in out:
        if item == ".PP" and body and (body[-1] == ".PP" or body[-1].startswith((".SH", ".SS"))):
            continue
        body.append(item)
    return body


def markdown_page(name, section, version, doc):
    lines = open(doc, encoding="utf-8").read().split("\n")
    title = lines[0].lstrip("#").strip()
    out = [f'.TH {name.upper()} {section} "" "flow {version}" "Miscellaneous"', ".SH NAME",
           f"{name} \\- {roff(title)}", ".SH DESCRIPTION"]
    out += markdown_body(lines[1:])
    return "\n".join(out) + "\n"


def main():
    if sys.argv[1] == "--markdown":  # --markdown NAME SECTION VERSION DOC.md OUT
        name, section, version, doc, out = sys.argv[2:7]
        text = markdown_page(name, section, version, doc)
    else:
        tool, binary, version, doc, out = sys.argv[1:6]
        text = page(tool, binary, version, doc)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()

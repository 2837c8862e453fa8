"""What the command-line convention tests share: the two tools, their --help parsed into
commands and options, and checks that collect failures instead of stopping at the first."""
import re
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} failure(s)")
        sys.exit(1)
    print(f"{name}: ok")


def run(argv, **kw):
    kw.setdefault("timeout", 60)
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def help_text(tool, *command):
    p = run([tool, *command, "--help"])
    assert p.returncode == 0, f"{tool} {' '.join(command)} --help exited {p.returncode}: {p.stderr}"
    return p.stdout


def section(text, title):
    """The entries of a help section ("Options:", "Subcommands:", "Positionals:"): lines
    indented by two spaces, up to the next blank line."""
    lines = text.splitlines()
    if title not in lines:
        return []
    out = []
    for line in lines[lines.index(title) + 1:]:
        if not line.strip():
            break
        if line.startswith("  ") and not line.startswith("   "):
            out.append(line.strip())
    return out


def commands(tool):
    return [entry.split()[0] for entry in section(help_text(tool), "Subcommands:")]


class Option:
    def __init__(self, entry):
        # "-o,--output TEXT REQUIRED   where to write" or "--color TEXT:{auto,always,never}"
        head = re.split(r"\s{2,}", entry)[0].split()
        self.names = head[0].split(",")
        self.type = head[1] if len(head) > 1 and head[1] != "REQUIRED" else ""
        self.required = "REQUIRED" in head

    @property
    def name(self):
        return max(self.names, key=len)

    def value(self):
        """A value CLI11 accepts for the option's type (None for a flag)."""
        if not self.type:
            return None
        choices = re.search(r"\{([^}]*)\}", self.type)
        if choices:
            return choices.group(1).split(",")[0]
        if self.type.startswith(("INT", "UINT", "FLOAT", "NUMBER")):
            return "1"
        return "x"


def options(tool, *command):
    return [Option(e) for e in section(help_text(tool, *command), "Options:")]


def positionals(tool, *command):
    return [Option(e) for e in section(help_text(tool, *command), "Positionals:")]

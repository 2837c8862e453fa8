"""Every option that `--help` shows exists: for each command of flowc and flow, each option
listed in its help is given (with a value of its type) and must be accepted by the parser.
Usage: help_options_test.py FLOWC FLOW"""
import os
import subprocess
import sys
import tempfile

from clitest import check, commands, finish, options, positionals, run

flowc, flow = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])

# Something harmless to run after an option of the tool itself.
HARMLESS = {flowc: ["explain", "E0101"], flow: ["runs"]}
# CLI11's usage errors end with this line; a refused option or value prints it.
REFUSED = "Run with --help for more information"


def args_for(option):
    value = option.value()
    return [option.name] + ([] if value is None else [value])


def placeholder(positional):
    value = positional.value()
    return "missing.flow" if positional.name.lower() == "file" else value or "x"


def accepted(argv):
    p = run(argv, stdin=subprocess.DEVNULL)
    text = p.stderr + p.stdout
    ok = REFUSED not in text and "unknown option" not in text and "not expected" not in text
    check(ok, f"`{' '.join(argv)}` was refused (exit {p.returncode}): {p.stderr.strip()[:300]}")
    return ok


def check_tool(tool):
    names = commands(tool)
    check(len(names) >= 4, f"{tool} --help lists only {names}")
    tested = 0
    for option in options(tool):
        stop_early = option.name in ("--help", "--version")
        accepted([tool] + args_for(option) + ([] if stop_early else HARMLESS[tool]))
        tested += 1
    for command in names:
        pos = [placeholder(p) for p in positionals(tool, command) if p.required]
        opts = options(tool, command)
        check(any(o.name == "--help" for o in opts), f"{tool} {command} --help lists no options")
        required = [a for o in opts if o.required for a in args_for(o)]
        for option in opts:
            extra = [] if option.required else args_for(option)
            accepted([tool, command] + required + extra + pos)
            tested += 1
    print(f"{os.path.basename(tool)}: {len(names)} commands, {tested} options accepted")
    return tested


with tempfile.TemporaryDirectory() as scratch:
    os.chdir(scratch)  # whatever an option writes lands here
    check(check_tool(flowc) > 10, "flowc: too few options found in --help")
    check(check_tool(flow) > 40, "flow: too few options found in --help")
finish("help_options")

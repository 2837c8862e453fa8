"""`flow --help` lists flow's exit codes, docs/runtime.md lists the same ones, and they are the
codes runtime/engine/scheduler.h defines. Usage: exit_codes_test.py FLOW SOURCE_DIR"""
import os
import re
import sys

from clitest import check, finish, help_text

flow, source = sys.argv[1], sys.argv[2]

help_lines = help_text(flow).splitlines()
check("Exit status:" in help_lines, "flow --help has no `Exit status:` section")
after = help_lines[help_lines.index("Exit status:") + 1:] if "Exit status:" in help_lines else []
in_help = {int(m.group(1)) for line in after for m in [re.match(r"^  (\d+)\s", line)] if m}

docs = open(os.path.join(source, "docs", "runtime.md"), encoding="utf-8").read()
paragraph = re.search(r"^Exit codes:(.*?)\n\n", docs, re.S | re.M)
check(paragraph is not None, "docs/runtime.md has no paragraph starting `Exit codes:`")
in_docs = {int(n) for n in re.findall(r"\*\*(\d+)\*\*", paragraph.group(1))} if paragraph else set()

header = open(os.path.join(source, "runtime", "engine", "scheduler.h"), encoding="utf-8").read()
enum = re.search(r"enum ExitCode \{(.*?)\}", header, re.S)
check(enum is not None, "runtime/engine/scheduler.h has no enum ExitCode")
in_code = {int(n) for n in re.findall(r"=\s*(\d+)", enum.group(1))} if enum else set()

print(f"help: {sorted(in_help)}  docs: {sorted(in_docs)}  runtime/engine/scheduler.h: {sorted(in_code)}")
check(len(in_code) >= 5, f"too few exit codes found in runtime/engine/scheduler.h: {in_code}")
check(in_help == in_code, f"flow --help lists {sorted(in_help)}, the runtime has {sorted(in_code)}")
check(in_docs == in_code, f"docs/runtime.md lists {sorted(in_docs)}, the runtime has {sorted(in_code)}")
finish("exit_codes")

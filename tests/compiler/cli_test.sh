#!/usr/bin/env bash
# flowc's command line: exit statuses, explain, compile output, graph, the stdlib search.
# Usage: cli_test.sh FLOWC   (run from anywhere; uses this directory's test files)
set -u
flowc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")" || exit 2
export NO_COLOR=1
unset FLOW_PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0 total=0

expect() {  # NAME WANT_STATUS COMMAND... ; stdout+stderr saved in $work/out
  local name=$1 want=$2
  shift 2
  total=$((total + 1))
  "$@" >"$work/out" 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $name: exit $got, expected $want" >&2
    sed 's/^/  | /' "$work/out" >&2
    failed=$((failed + 1))
  fi
}
contains() {  # NAME TEXT: the last output holds TEXT
  if ! grep -qF -- "$2" "$work/out"; then
    echo "FAIL: $1: output lacks '$2'" >&2
    sed 's/^/  | /' "$work/out" >&2
    failed=$((failed + 1))
  fi
}

expect "no command" 2 "$flowc"
expect "unknown option" 2 "$flowc" check --no-such-option ok_E0101_defined_agent.flow
expect "bad format" 2 "$flowc" check --format xml ok_E0101_defined_agent.flow
expect "help" 0 "$flowc" --help
contains "help" "explain"
expect "mistyped command" 2 "$flowc" chek ok_E0101_defined_agent.flow
contains "mistyped command" "flowc: error: unknown command \`chek\`"
contains "mistyped command" "did you mean \`check\`?"
expect "unknown command" 2 "$flowc" frobnicate x.flow
contains "unknown command" "the commands are check, compile, graph, explain, fmt"
# Each command's help lists only its own options: --werror belongs to check alone.
expect "check help" 0 "$flowc" check --help
contains "check help" "--werror"
for cmd in compile graph explain; do
  expect "$cmd help" 0 "$flowc" $cmd --help
  if grep -qE -- "--werror|--stats" "$work/out"; then
    echo "FAIL: $cmd --help mentions an option of check" >&2
    failed=$((failed + 1))
  fi
done
expect "compile help" 0 "$flowc" compile --help
contains "compile help" "-o,--output"
expect "missing file" 2 "$flowc" check no-such-file.flow
contains "missing file" "flowc: error: cannot read 'no-such-file.flow'"
expect "a directory" 2 "$flowc" check agents
expect "missing and broken" 2 "$flowc" check no-such-file.flow fail_E0101_undefined_agent.flow
contains "missing and broken" "error[E0101]"
expect "clean" 0 "$flowc" check ok_E0101_defined_agent.flow ok_E0200_no_cycle.flow
expect "warning" 0 "$flowc" check fail_W0101_empty_block.flow
expect "werror" 1 "$flowc" check --werror fail_W0101_empty_block.flow

expect "explain" 0 "$flowc" explain E0101
contains "explain" "E0101 (error): undefined agent"
expect "explain lowercase" 0 "$flowc" explain w0100
contains "explain lowercase" "W0100 (warning): unused agent"
expect "explain syntax" 0 "$flowc" explain E0010
expect "explain unknown" 2 "$flowc" explain E9999
contains "explain unknown" "no diagnostic has the code \`E9999\`"

expect "compile" 0 "$flowc" compile ok_compile.flow -o "$work/ir.json"
grep -q '"version": 4' "$work/ir.json" || { echo "FAIL: compile wrote no IR" >&2; failed=$((failed + 1)); }
expect "compile twice" 0 "$flowc" compile ok_compile.flow -o "$work/ir2.json"
cmp -s "$work/ir.json" "$work/ir2.json" || { echo "FAIL: IR differs between runs" >&2; failed=$((failed + 1)); }
expect "compile errors" 1 "$flowc" compile fail_E0101_undefined_agent.flow -o "$work/bad.json"
[ ! -e "$work/bad.json" ] || { echo "FAIL: compile wrote IR for a broken flow" >&2; failed=$((failed + 1)); }
expect "compile unwritable" 2 "$flowc" compile ok_compile.flow -o "$work/no/such/dir/ir.json"
contains "compile unwritable" "flowc: error: cannot write"
expect "compile to stdout without -o" 0 "$flowc" compile ok_compile.flow
contains "compile to stdout without -o" '"nodes":'

expect "graph of a broken flow" 1 "$flowc" graph fail_E0200_dependency_cycle.flow
contains "graph of a broken flow" "digraph"
expect "graph bad format" 2 "$flowc" graph --format png ok_compile.flow

# `use std/NAME` follows FLOW_STDLIB; other module paths search FLOW_PATH first.
mkdir -p "$work/std" "$work/path/team"
printf 'agent critic < description "c"; role reviewer >\n' > "$work/std/review.flow"
printf 'agent writer < description "w" >\n' > "$work/path/team/writers.flow"
printf 'use std/review\nuse team/writers\nstage s writer review critic\n' > "$work/main.flow"
expect "stdlib and path" 0 env FLOW_STDLIB="$work/std" FLOW_PATH="$work/nowhere:$work/path" \
  "$flowc" check "$work/main.flow"
expect "no path" 1 env FLOW_STDLIB="$work/std" "$flowc" check "$work/main.flow"
contains "no path" "cannot find the import \`team/writers\`"

# Conventions: `-` is standard input, a directory is every .flow under it, --color, -q.
expect "stdin clean" 0 sh -c "\"$flowc\" check - < ok_E0101_defined_agent.flow"
expect "stdin errors" 1 sh -c "\"$flowc\" check - < fail_E0101_undefined_agent.flow"
contains "stdin errors" "<stdin>:"
expect "stdin twice" 2 sh -c "\"$flowc\" check - - < ok_E0101_defined_agent.flow"
contains "stdin twice" "can be read only once"
expect "compile stdin to stdout" 0 sh -c "\"$flowc\" compile - < ok_compile.flow"
contains "compile stdin to stdout" '"version":'
mkdir -p "$work/tree/sub" "$work/tree/.hidden" "$work/empty"
cp ok_E0101_defined_agent.flow "$work/tree/a.flow"
cp fail_E0101_undefined_agent.flow "$work/tree/sub/b.flow"
cp fail_E0101_undefined_agent.flow "$work/tree/.hidden/c.flow"
echo "not a flow" > "$work/tree/notes.txt"
expect "directory" 1 "$flowc" check "$work/tree"
contains "directory" "tree/sub/b.flow:"
if grep -q "\.hidden" "$work/out"; then
  echo "FAIL: directory: a hidden directory was checked" >&2; failed=$((failed + 1))
fi
expect "directory without flows" 2 "$flowc" check "$work/empty"
contains "directory without flows" "no .flow file under the directory"
expect "warnings shown" 0 "$flowc" check fail_W0100_unused_agent.flow
contains "warnings shown" "warning[W0100]"
expect "quiet" 0 "$flowc" check -q fail_W0100_unused_agent.flow
if [ -s "$work/out" ]; then echo "FAIL: -q printed a warning" >&2; failed=$((failed + 1)); fi
expect "quiet keeps errors" 1 "$flowc" -q check fail_E0101_undefined_agent.flow
contains "quiet keeps errors" "error[E0101]"
esc=$(printf '\033[')
expect "color always" 1 "$flowc" check --color always fail_E0101_undefined_agent.flow
contains "color always" "$esc"
expect "color never beats FORCE_COLOR" 1 env FORCE_COLOR=1 "$flowc" check --color never fail_E0101_undefined_agent.flow
if grep -qF "$esc" "$work/out"; then echo "FAIL: --color never coloured" >&2; failed=$((failed + 1)); fi
expect "FORCE_COLOR" 1 env -u NO_COLOR FORCE_COLOR=1 "$flowc" check fail_E0101_undefined_agent.flow
contains "FORCE_COLOR" "$esc"
expect "NO_COLOR on a pipe" 1 "$flowc" check fail_E0101_undefined_agent.flow
if grep -qF "$esc" "$work/out"; then echo "FAIL: coloured output into a pipe" >&2; failed=$((failed + 1)); fi
expect "bad color" 2 "$flowc" check --color sometimes ok_E0101_defined_agent.flow

# Every compiler diagnostic in the golden outputs carries a `= help:` line.
if ! awk '
  /^[^ ].*: (error|warning)\[[EW]0[1-9]/ { if (open) { print "no help line: " hdr; bad++ } open = 1; hdr = FILENAME ": " $0; next }
  /^  = help:/ { open = 0 }
  /^exit:/ { if (open) { print "no help line: " hdr; bad++ } open = 0 }
  END { exit bad > 0 }' fail_*.expected >&2; then
  echo "FAIL: a diagnostic without help" >&2
  failed=$((failed + 1))
fi

echo "cli: $failed failure(s) in $total commands"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Golden tests for flowc. Usage: run_golden.sh FLOWC DIR
#
# For every fail_*.flow and ok_*.flow in DIR, runs `FLOWC check NAME.flow` from inside DIR
# (so file names in the output are relative) and compares what it prints (stderr, then
# stdout), followed by a last line `exit: N`, with NAME.expected. An ok_*.flow without an
# .expected file must check clean: no output and exit 0. A .flow file whose first line is
# `# flowc: ARGS` is run as `FLOWC ARGS NAME.flow` instead (for options such as --stats);
# `# flowc: allow ...` there is a suppression comment and does not count.
#
# On a mismatch prints a unified diff (expected, then actual) and exits 1. To accept new
# output on purpose, run scripts/update-golden.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 FLOWC DIR" >&2
  exit 2
fi
flowc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ ! -x "$flowc" ]; then
  echo "run_golden: '$1' is not an executable flowc" >&2
  exit 2
fi
cd "$2" || exit 2

# Golden output must not depend on the terminal or the caller's environment.
export NO_COLOR=1
unset FLOW_PATH

actual=$(mktemp)
trap 'rm -f "$actual"' EXIT

run_one() {  # FILE -> writes the observed output to $actual
  local file=$1 args=check first
  first=$(head -n 1 "$file")
  # `# flowc: allow ...` is a suppression comment, not arguments.
  if [[ $first == "# flowc: "* && $first != "# flowc: allow"* ]]; then
    args=${first#"# flowc: "}
  fi
  # shellcheck disable=SC2086  # ARGS is a list of words on purpose
  { "$flowc" $args "$file" 2>&1; echo "exit: $?"; } >"$actual"
}

failed=0 total=0
shopt -s nullglob
for file in fail_*.flow ok_*.flow; do
  total=$((total + 1))
  expected=${file%.flow}.expected
  run_one "$file"
  if [ -f "$expected" ]; then
    if ! diff -u --label "$expected" --label "actual" "$expected" "$actual"; then
      echo "FAIL: $file" >&2
      failed=$((failed + 1))
    fi
  elif [[ $file == ok_* ]]; then
    if [ "$(cat "$actual")" != "exit: 0" ]; then
      echo "FAIL: $file should check clean, got:" >&2
      cat "$actual" >&2
      failed=$((failed + 1))
    fi
  else
    echo "FAIL: $file has no $expected (run scripts/update-golden)" >&2
    failed=$((failed + 1))
  fi
done

echo "golden: $((total - failed)) of $total passed in $(basename "$(pwd)")"
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]

#!/usr/bin/env bash
# flowc's command line around the parser: unreadable input and bad usage exit 2 with a clear
# message, syntax errors exit 1, clean files exit 0 silently. Usage: cli_test.sh FLOWC DIR
# (DIR is tests/lang, whose ok_/fail_ files serve as inputs).
set -u
flowc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ ! -x "$flowc" ]; then
  echo "cli_test: '$1' is not an executable flowc" >&2
  exit 2
fi
cd "$2" || exit 2
export NO_COLOR=1
failures=0

# expect STATUS STDERR_REGEX -- ARGS...
expect() {
  local want_status=$1 want_err=$2
  shift 3
  local err status
  err=$("$flowc" "$@" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -ne "$want_status" ] || ! [[ $err =~ $want_err ]]; then
    echo "FAIL: flowc $*: exit $status (want $want_status), stderr:" >&2
    echo "$err" >&2
    failures=$((failures + 1))
  fi
}

expect 2 "^flowc: error: cannot read 'missing.flow': no such file or directory$" -- check missing.flow
expect 2 "^flowc: error: cannot read '.': is a directory$" -- compile .
expect 1 "fail_E0002_expected_statement.flow:.*error\[E0002\]" -- check .  # every .flow under it
expect 2 "cannot read 'missing.flow'" -- check ok_empty.flow missing.flow fail_E0002_expected_statement.flow
expect 2 "." --
expect 2 "FILE is required" -- check
expect 2 "--bogus" -- check --bogus ok_empty.flow
expect 1 "error\[E0002\]" -- check ok_empty.flow fail_E0002_expected_statement.flow
expect 0 "^$" -- check ok_empty.flow ok_every_construct.flow
expect 0 "^$" -- --version
expect 0 "^$" -- check --help

version=$("$flowc" --version)
[[ $version == "flowc "* ]] || { echo "FAIL: --version printed '$version'" >&2; failures=$((failures + 1)); }
help=$("$flowc" check --help)
[[ $help == *"Exit status"* && $help == *FILE* ]] || { echo "FAIL: check --help lacks exit codes" >&2; failures=$((failures + 1)); }
# No colour when stderr is not a terminal, even without NO_COLOR.
err=$(env -u NO_COLOR "$flowc" check fail_E0002_expected_statement.flow 2>&1)
[[ $err != *$'\x1b['* ]] || { echo "FAIL: colour written to a pipe" >&2; failures=$((failures + 1)); }

# With a terminal (when `script` can provide one): colour, unless NO_COLOR is set.
if command -v script >/dev/null; then
  tty_out=$(env -u NO_COLOR script -qec "'$flowc' check fail_E0002_expected_statement.flow" /dev/null)
  [[ $tty_out == *$'\x1b['* ]] || { echo "FAIL: no colour on a terminal" >&2; failures=$((failures + 1)); }
  tty_out=$(NO_COLOR=1 script -qec "'$flowc' check fail_E0002_expected_statement.flow" /dev/null)
  [[ $tty_out != *$'\x1b['* ]] || { echo "FAIL: colour despite NO_COLOR" >&2; failures=$((failures + 1)); }
fi

[ "$failures" -eq 0 ] && echo "cli: all passed"
[ "$failures" -eq 0 ]

#!/usr/bin/env bash
# usage: catches_swallowed_report.sh LEAK_PROBE REPORTS_SH
# A sanitizer report must fail the suite even when the test that started the program threw its
# output and exit status away. The probe leaks; its report goes to a private directory (not the
# build's, which sanitizer.reports checks), and reports.sh must fail on it and print it.
set -uo pipefail
probe=$1 reports=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ASAN_OPTIONS=detect_leaks=1:log_path=$dir/asan "$probe" >/dev/null 2>&1
out=$(bash "$reports" "$dir" 2>&1)
status=$?
if [ $status -ne 1 ] || ! grep -q "ERROR: LeakSanitizer" <<<"$out"; then
  echo "FAIL: reports.sh exited $status on a swallowed leak report; it said:"
  echo "$out"
  exit 1
fi
if [ -n "$(ls -A "$dir")" ]; then
  echo "FAIL: reports.sh left the report in place"
  exit 1
fi
echo "ok: the leak report of a program whose output was thrown away fails the suite"

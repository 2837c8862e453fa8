#!/usr/bin/env bash
# Fails when a sanitizer wrote a report into DIR (tests/sanitizer/options.cc sends them there),
# printing each one; then empties DIR so that the next run starts clean.
set -euo pipefail
dir=$1
mkdir -p "$dir"
shopt -s nullglob
reports=("$dir"/*)
if [ ${#reports[@]} -eq 0 ]; then
  echo "sanitizer: no report in $dir"
  exit 0
fi
for r in "${reports[@]}"; do
  echo "==== $(basename "$r")"
  cat "$r"
  rm -f "$r"
done
echo "sanitizer: ${#reports[@]} report(s) written by instrumented programs during the tests" >&2
exit 1

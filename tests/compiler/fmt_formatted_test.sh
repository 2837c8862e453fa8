#!/usr/bin/env bash
# Every .flow file of the repository that people read and copy is kept in `flowc fmt`'s
# layout: examples/ (examples/errors/ included) and stdlib/. Usage: fmt_formatted_test.sh FLOWC ROOT
#
# Left out on purpose: the inputs of golden tests (tests/lang, tests/compiler and its lib/),
# whose .expected files hold exact line:col positions and whose odd spacing is often what
# they test, and the fuzz seeds, which are broken on purpose. fmt_repository_test.py still
# formats all of those to check that formatting keeps their meaning.
# A file with a syntax error (examples/errors/E00xx-*.flow shows one) cannot be formatted;
# it passes when fmt refuses it with that syntax error. To fix a failure: flowc fmt FILE.
set -u
flowc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$2" || exit 2
export NO_COLOR=1
failed=0 checked=0 refused=0
while IFS= read -r -d '' f; do
  out=$("$flowc" fmt --check "$f" 2>&1)
  status=$?
  if [ "$status" -eq 2 ] && [[ $out == "$f":*": error[E00"* ]]; then
    refused=$((refused + 1))
  elif [ "$status" -ne 0 ]; then
    echo "FAIL: $f is not formatted (exit $status); run: flowc fmt $f" >&2
    echo "$out" >&2
    failed=$((failed + 1))
  fi
  checked=$((checked + 1))
done < <(find examples stdlib -name '*.flow' -print0 | sort -z)
echo "fmt --check: $checked files, $refused with a syntax error on purpose, $failed not formatted"
if [ "$checked" -lt 50 ]; then
  echo "FAIL: found only $checked .flow files" >&2
  exit 1
fi
[ "$failed" -eq 0 ]

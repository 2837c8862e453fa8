#!/bin/bash
# An unknown diagnostic code must not compile, in any build type: compile one call with a
# registered code (must build) and one with a code diagnostics.def lacks (must be rejected).
# Usage: diag_code_check.sh CXX SOURCE_DIR
set -u
cxx=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for code in E0101 E9999; do
  printf '#include "compiler/diagnostic_registry.h"\nflow::Diagnostic f() { return flow::make_diagnostic("%s", {}, "m"); }\n' \
    "$code" > "$tmp/$code.cc"
done
if ! "$cxx" -std=c++20 -fsyntax-only -I "$src" "$tmp/E0101.cc" 2> "$tmp/ok.err"; then
  echo "FAIL: a registered code does not compile:"; cat "$tmp/ok.err"; exit 1
fi
if "$cxx" -std=c++20 -fsyntax-only -I "$src" "$tmp/E9999.cc" 2> "$tmp/bad.err"; then
  echo "FAIL: make_diagnostic(\"E9999\", ...) compiled"; exit 1
fi
if ! grep -q unknown_diagnostic_code "$tmp/bad.err"; then
  echo "FAIL: E9999 was rejected for another reason:"; cat "$tmp/bad.err"; exit 1
fi
echo "ok"

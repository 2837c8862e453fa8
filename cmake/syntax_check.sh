#!/usr/bin/env bash
# Compiler launcher of the header self-containment checks (tests/layers/CMakeLists.txt). They
# compile with -fsyntax-only, which proves a header compiles on its own without generating
# code, so the compiler writes no object file; this runs the compile (through any launcher
# given before the compiler, such as ccache) and then leaves an empty object file where the
# build expects one, so that the check is up to date until its header changes.
[ $# -gt 0 ] && [ -z "$1" ] && shift  # an empty launcher word, from an older configuration
out=""
prev=""
for arg in "$@"; do
  [ "$prev" = "-o" ] && out=$arg
  prev=$arg
done
"$@" || exit
[ -z "$out" ] || : > "$out"

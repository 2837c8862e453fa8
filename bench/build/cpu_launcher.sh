#!/usr/bin/env bash
# Compiler launcher for bench/build/time_build.sh: runs one compile or link under GNU time and
# appends "USER SYS OUTPUT" to $FLOW_BUILD_CPU_LOG, so that each file's CPU time is known even
# when the machine is busy (wall times then mostly measure waiting for a core).
# Without a log (the build directory used later, e.g. by the layer probes that ctest builds),
# the command runs as it is.
[ -n "${FLOW_BUILD_CPU_LOG:-}" ] || exec "$@"
out=unknown
prev=""
for arg in "$@"; do
  [ "$prev" = "-o" ] && out=$arg
  prev=$arg
done
exec /usr/bin/time -a -o "$FLOW_BUILD_CPU_LOG" -f "%U %S $out" "$@"

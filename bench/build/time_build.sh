#!/usr/bin/env bash
# Clean-build time of the whole project, tests included, without ccache: configures a fresh
# build directory, builds it with -j JOBS, and prints CPU (user+sys) and wall seconds, then
# the files that took longest (from ninja's log: wall seconds per file, which on a busy
# machine includes waiting for a core).
#   bench/build/time_build.sh [BUILD_DIR] [JOBS] [extra cmake options...]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$src/build-time}
jobs=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
rm -rf "$dir"
cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOW_WERROR=ON \
  -UCMAKE_CXX_COMPILER_LAUNCHER "$@" > /dev/null
times=$(mktemp)
trap 'rm -f "$times"' EXIT
CCACHE_DISABLE=1 /usr/bin/time -f '%U %S %e' -o "$times" cmake --build "$dir" -j "$jobs" > /dev/null
read -r user sys wall < "$times"
awk -v u="$user" -v s="$sys" 'BEGIN { printf "cpu_seconds %.1f (user %s, sys %s)\n", u + s, u, s }'
echo "wall_seconds $wall"
echo "files $(grep -c '\.o$' "$dir/.ninja_log" || true)"
echo "slowest files (seconds):"
awk 'NR > 1 { printf "%.1f %s\n", ($2 - $1) / 1000, $4 }' "$dir/.ninja_log" | sort -rn | head -15

#!/usr/bin/env bash
# Clean-build time of the whole project, tests included, without ccache: configures a fresh
# build directory, builds it with -j JOBS, and prints the CPU seconds (user + sys) of the whole
# build and of every compile and link (each run under GNU time by bench/build/cpu_launcher.sh,
# logged to BUILD_DIR/cpu.log), the wall seconds, and the files that took the most CPU.
#   bench/build/time_build.sh [BUILD_DIR] [JOBS] [extra cmake options...]
# FLOW_SRC=DIR builds another checkout (an older commit's worktree, to compare); two logs are
# compared file by file with bench/build/compare_cpu.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${FLOW_SRC:-$(cd "$here/../.." && pwd)}
dir=${1:-$src/build-time}
jobs=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
[ -x /usr/bin/time ] || { echo "time_build.sh: needs /usr/bin/time (GNU time)" >&2; exit 2; }
rm -rf "$dir"
mkdir -p "$dir"
export FLOW_BUILD_CPU_LOG=$dir/cpu.log
: > "$FLOW_BUILD_CPU_LOG"
cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOW_WERROR=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$here/cpu_launcher.sh" \
  -DCMAKE_CXX_LINKER_LAUNCHER="$here/cpu_launcher.sh" "$@" > /dev/null
times=$(mktemp)
trap 'rm -f "$times"' EXIT
/usr/bin/time -f '%U %S %e' -o "$times" cmake --build "$dir" -j "$jobs" > /dev/null
read -r user sys wall < "$times"
awk -v u="$user" -v s="$sys" 'BEGIN { printf "cpu_seconds %.1f (user %s, sys %s)\n", u + s, u, s }'
awk '{ c += $1 + $2; n++ } END { printf "compiles_and_links %d, their cpu_seconds %.1f\n", n, c }' \
  "$FLOW_BUILD_CPU_LOG"
echo "wall_seconds $wall"
echo "most CPU (seconds):"
awk '{ printf "%.1f %s\n", $1 + $2, $3 }' "$FLOW_BUILD_CPU_LOG" | sort -rn | head -15

#!/usr/bin/env bash
# Benchmarks `flowc check` on generated flows of 1k, 10k and 100k agent steps.
#
#   bench/compiler/run.sh [FLOWC]      (default: build/bin/flowc)
#
# For each size prints the best wall time and the best CPU time (user + system) of RUNS runs
# (default 3), the peak resident set size (from /usr/bin/time -v), the number of IR nodes,
# and at the end the 100k/10k ratio of both times (10 means linear growth). On a machine
# shared with other work the CPU time is the steadier figure (bench/README.md also counts
# instructions with callgrind). Targets on a 2-core machine: 100k steps in <= 0.3 s and
# <= 300 MB. Not a test: timings depend on the machine and its load.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
flowc=${1:-$here/../../build/bin/flowc}
runs=${RUNS:-3}
[ -x "$flowc" ] || { echo "run.sh: no flowc at $flowc" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "run.sh: needs /usr/bin/time (GNU time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A best cpu_best
printf "%-8s %9s %9s %12s %10s %s\n" steps "wall (s)" "cpu (s)" "peak RSS" "file" "nodes"
for n in 1000 10000 100000; do
  python3 "$here/gen_flow.py" "$n" > "$work/f$n.flow"
  t_best="" c_best="" rss_best=""
  for _ in $(seq "$runs"); do
    # GNU time reports the peak RSS. It rounds times to 10 ms, too coarse for the small sizes,
    # so the wall and CPU times come from python around it, to the microsecond.
    python3 -c '
import resource, subprocess, sys, time
before = resource.getrusage(resource.RUSAGE_CHILDREN)
start = time.perf_counter()
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w"))
wall = time.perf_counter() - start
u = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = u.ru_utime + u.ru_stime - before.ru_utime - before.ru_stime
print("%.3f %.3f" % (wall, cpu))
sys.exit(r.returncode)' "$work/time.txt" /usr/bin/time -v "$flowc" check "$work/f$n.flow" \
      > "$work/cpu.txt" || {
      cat "$work/time.txt" >&2
      echo "run.sh: flowc check failed on the $n-step flow" >&2
      exit 1
    }
    read -r secs cpu < "$work/cpu.txt"
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    if [ -z "$c_best" ] || awk -v a="$cpu" -v b="$c_best" 'BEGIN { exit !(a < b) }'; then
      c_best=$cpu
    fi
    if [ -z "$t_best" ] || awk -v a="$secs" -v b="$t_best" 'BEGIN { exit !(a < b) }'; then
      t_best=$secs
    fi
    if [ -z "$rss_best" ] || [ "$rss" -gt "$rss_best" ]; then rss_best=$rss; fi
  done
  best[$n]=$t_best
  cpu_best[$n]=$c_best
  nodes=$("$flowc" check --stats "$work/f$n.flow" | awk '/nodes:/ {print $2; exit}')
  size=$(du -k "$work/f$n.flow" | cut -f1)
  printf "%-8s %9s %9s %9d MB %7d KB %s\n" "$n" "$t_best" "$c_best" $((rss_best / 1024)) "$size" "$nodes"
done
ratio() {
  awk -v what="$1" -v a="$2" -v b="$3" \
    'BEGIN { if (b > 0) printf "100k/10k %s ratio: %.1f (10 = linear)\n", what, a / b; else printf "100k/10k %s ratio: n/a (10k too fast to time)\n", what }'
}
ratio wall "${best[100000]}" "${best[10000]}"
ratio cpu "${cpu_best[100000]}" "${cpu_best[10000]}"

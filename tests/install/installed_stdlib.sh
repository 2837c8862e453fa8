#!/usr/bin/env bash
# Installs into a scratch prefix, then proves the installed flowc and flow resolve `use std/...`
# from PREFIX/share/flow/stdlib: a module that exists only in the installed copy must resolve.
set -euo pipefail
build_dir=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
for f in bin/flowc bin/flow share/flow/stdlib/backend.flow share/flow/stdlib/policies.flow; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
n_agents=$(ls "$prefix"/share/flow/stdlib/agents/*.md | wc -l)
[ "$n_agents" -gt 0 ] || { echo "FAIL: no agent files installed"; exit 1; }

# A module only the installed copy has: if lookup fell back to the source tree it would fail.
cat > "$prefix/share/flow/stdlib/install-probe.flow" <<'FLOW'
agent probe <
  description "Answers with a short note"
  prompt "Say hello."
>
FLOW
mkdir "$scratch/work"
cat > "$scratch/work/main.flow" <<'FLOW'
use std/install-probe
stage hello probe
FLOW
cd "$scratch/work"
unset FLOW_STDLIB FLOW_PATH
"$prefix/bin/flowc" check main.flow
"$prefix/bin/flowc" check "$prefix/share/flow/stdlib/backend.flow"
"$prefix/bin/flow" run main.flow --run-dir "$scratch/runs" > "$scratch/run.log" 2>&1 \
  || { cat "$scratch/run.log"; echo "FAIL: installed flow could not run a flow using std/"; exit 1; }
# The installed stdlib pipeline itself runs from the installed tree.
"$prefix/bin/flow" run "$prefix/share/flow/stdlib/backend.flow" --input feature="probe" --yes \
  --run-dir "$scratch/runs" > "$scratch/run2.log" 2>&1 \
  || { tail -20 "$scratch/run2.log"; echo "FAIL: installed backend.flow did not run"; exit 1; }
echo "installed tools resolve std/ from $(basename "$prefix")/share/flow/stdlib"

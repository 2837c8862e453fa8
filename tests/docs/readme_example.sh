#!/usr/bin/env bash
# Extracts the first ```flow block of the README, gives it the agent files it names, and
# requires `flowc check` to find nothing wrong (warnings included).
set -euo pipefail
flowc=$1 readme=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
awk '/^```flow$/ {on=1; next} on && /^```$/ {exit} on {print}' "$readme" > "$scratch/example.flow"
[ -s "$scratch/example.flow" ] || { echo "FAIL: no \`\`\`flow block in the README"; exit 1; }
mkdir "$scratch/agents"
for a in planner researcher implementer code-review; do
  tools="Read, Grep, Write"
  [ "$a" = code-review ] && tools="Read, Grep"
  printf -- '---\nname: %s\ndescription: The %s of the README example\ntools: %s\n---\nDo the work.\n' \
    "$a" "$a" "$tools" > "$scratch/agents/$a.md"
done
cd "$scratch"
"$flowc" check --werror example.flow
echo "the README example checks clean"

#!/usr/bin/env bash
# Installs into a scratch prefix, then checks the manual pages flowc(1) and flow(1): installed
# to PREFIX/share/man/man1, rendered by groff with every warning turned on and none given, shown
# by `man -l`, and naming every command that the installed tool's --help lists; and
# flow-language(7), which must hold every section of docs/language.md.
set -euo pipefail
build_dir=$1
for tool in groff man; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup installs it)"; exit 1; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
for tool in flowc flow; do
  page=$prefix/share/man/man1/$tool.1
  [ -s "$page" ] || { echo "FAIL: $page was not installed"; exit 1; }
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
  [ -z "$warnings" ] || { echo "FAIL: groff warns about $tool.1:"; echo "$warnings"; exit 1; }
  text=$(LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$page" 2>"$scratch/man.err")
  [ ! -s "$scratch/man.err" ] || { echo "FAIL: man -l $tool.1:"; cat "$scratch/man.err"; exit 1; }
  grep -q "^NAME" <<<"$text" || { echo "FAIL: $tool.1 renders without a NAME section"; exit 1; }
  # The commands, as the installed tool itself lists them.
  commands=$("$prefix/bin/$tool" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
  [ -n "$commands" ] || { echo "FAIL: $tool --help lists no commands"; exit 1; }
  for command in $commands; do
    grep -Eq "^ +$command\$" <<<"$text" || { echo "FAIL: $tool.1 has no section for $command"; exit 1; }
    grep -q "$tool $command" <<<"$text" || { echo "FAIL: $tool.1 does not show \`$tool $command\`"; exit 1; }
  done
  grep -q "EXIT STATUS" <<<"$text" || { echo "FAIL: $tool.1 has no EXIT STATUS"; exit 1; }
  echo "$tool.1: $(wc -w <<<"$commands") commands, no warnings"
done
# The language reference as flow-language(7): every section of docs/language.md is in it.
page=$prefix/share/man/man7/flow-language.7
[ -s "$page" ] || { echo "FAIL: $page was not installed"; exit 1; }
warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
[ -z "$warnings" ] || { echo "FAIL: groff warns about flow-language.7:"; echo "$warnings"; exit 1; }
text=$(LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$page" 2>/dev/null)
source_dir=$(dirname "$0")/../..
while IFS= read -r heading; do
  words=${heading//\`/}
  grep -qF "$words" <<<"$text" || { echo "FAIL: flow-language.7 lacks the section \"$words\""; exit 1; }
done < <(sed -n 's/^##* //p' "$source_dir/docs/language.md")
echo "flow-language.7: no warnings, every section of docs/language.md"
# man finds them by name in the installed tree.
for name in flow flowc flow-language; do
  MANPATH=$prefix/share/man man -w $name >/dev/null || { echo "FAIL: man -w $name finds no page"; exit 1; }
done

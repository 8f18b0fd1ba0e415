#!/usr/bin/env bash
# A trace line with control bytes: s2mm trace refuses it (exit 2) and shows
# it escaped (\x1b), with no raw control byte in its output.
# Usage: binary_input.sh S2MM
set -uo pipefail
out=$(printf 'L \001\033[31m,4\n' | "$1" trace - 2>&1)
rc=$?
printf '%s\n' "$out" | cat -v
[ "$rc" = 2 ] || { echo "binary_input: exit status $rc, expected 2" >&2; exit 1; }
if printf '%s' "$out" | LC_ALL=C grep -q "$(printf '[\001\033]')"; then
  echo "binary_input: raw control bytes in the output" >&2
  exit 1
fi
printf '%s' "$out" | grep -qF "'L \\x01\\x1b[31m,4'" ||
  { echo "binary_input: the line is not shown escaped" >&2; exit 1; }

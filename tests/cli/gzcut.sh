#!/usr/bin/env bash
# Write a damaged gzip'd lackey trace (100,000 loads) for the trace tests.
# Usage: gzcut.sh KIND FILE
#   line     two gzip members, cut in the second one's header: the text
#            inflated so far ends at a line boundary, half the trace
#   trailer  one member without its 8-byte trailer (CRC and length)
#   midline  one member cut in the middle of its deflate data
#   garbage  a whole member followed by text that is not gzip
set -euo pipefail
kind=$1 file=$2
lines() { seq "$1" "$2" | awk '{ printf " L %08x,8\n", 268435456 + $1 * 64 }'; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
case $kind in
line)
  lines 0 49999 | gzip -c >"$tmp"
  n=$(wc -c <"$tmp")
  lines 50000 99999 | gzip -c >>"$tmp"
  head -c $((n + 6)) "$tmp" >"$file" ;;
trailer)
  lines 0 99999 | gzip -c >"$tmp"
  head -c $(($(wc -c <"$tmp") - 8)) "$tmp" >"$file" ;;
midline)
  lines 0 99999 | gzip -c >"$tmp"
  head -c $(($(wc -c <"$tmp") / 2)) "$tmp" >"$file" ;;
garbage)
  lines 0 99999 | gzip -c >"$file"
  echo "not gzip" >>"$file" ;;
*)
  echo "gzcut.sh: unknown kind $kind" >&2
  exit 2 ;;
esac

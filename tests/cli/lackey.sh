#!/usr/bin/env bash
# Record a lackey trace of PROG and replay it with s2mm; check exact fault counts.
# Usage: lackey.sh S2MM PROG WORKDIR
set -euo pipefail
s2mm=$1 prog=$2 dir=$3
mkdir -p "$dir"
valgrind --tool=lackey --trace-mem=yes --log-file="$dir/trace.txt" "$prog" >/dev/null
lines=$(grep -cE '^( [LSM]|I ) ' "$dir/trace.txt")
gzip -kf "$dir/trace.txt"
"$s2mm" trace --no-blocks --quiet --json "$dir/t.json" "$dir/trace.txt.gz"
jq -c '{accesses, s2_faults, data_pages, stage1_table_pages, distinct_ipa_pages}' "$dir/t.json"
jq -e --argjson lines "$lines" '
  .accesses >= $lines and .data_pages > 10 and
  .s2_faults.translation == .data_pages + .stage1_table_pages and
  .s2_faults.s1ptw == 0 and .s1_faults == .data_pages and
  .isolation_violations == 0 and .stale_tlb_hits == 0' "$dir/t.json" >/dev/null
# The same trace from standard input, uncompressed, with blocks: same accesses.
"$s2mm" trace --quiet --json "$dir/t2.json" - < "$dir/trace.txt"
jq -e --slurpfile a "$dir/t.json" '.accesses == $a[0].accesses and .data_pages == $a[0].data_pages' "$dir/t2.json" >/dev/null
echo "lackey: $lines trace lines replayed, counts exact"

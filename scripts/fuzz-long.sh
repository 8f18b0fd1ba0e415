#!/usr/bin/env bash
# A long libFuzzer run by hand, in chunks that survive interruption: each
# chunk runs for CHUNK seconds on the corpus in DIR and appends its
# executions to DIR/ledger; a rerun continues where the last completed
# chunk ended, and prints the total so far. A chunk cut short (the machine
# stopped) is not counted. A crash stops the loop and leaves DIR/crash-*.
# docs/fuzzing.md says how to build the target (S2MM_FUZZ_SANITIZERS).
#
# Usage: scripts/fuzz-long.sh TARGET_BINARY DIR [GOAL_EXECS] [CHUNK_SECONDS] [JOBS]
#   GOAL_EXECS     stop once the ledger holds this many (default 100000000)
#   CHUNK_SECONDS  default 1200
#   JOBS           libFuzzer workers sharing the corpus (default 1)
# The ledger's lines: date, binary's sha256 (first 12), seconds, executions.
set -uo pipefail
bin=${1:?usage: fuzz-long.sh TARGET_BINARY DIR [GOAL] [CHUNK] [JOBS]}
dir=${2:?usage: fuzz-long.sh TARGET_BINARY DIR [GOAL] [CHUNK] [JOBS]}
goal=${3:-100000000}
chunk=${4:-1200}
jobs=${5:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$bin" ] || { echo "fuzz-long: no $bin" >&2; exit 2; }
name=$(basename "$bin")
mkdir -p "$dir/corpus"
[ -n "$(ls -A "$dir/corpus")" ] || cp "$root/tests/fuzz/corpus/$name"/* "$dir/corpus/" 2>/dev/null
sha=$(sha256sum <"$bin" | cut -c1-12)
touch "$dir/ledger"

total() { awk -v s="$sha" '$2 == s { n += $4 } END { print n + 0 }' "$dir/ledger"; }

while [ "$(total)" -lt "$goal" ]; do
	logs=()
	for ((w = 0; w < jobs; w++)); do
		logs+=("$dir/chunk.$w.log")
		"$bin" -max_len=1024 -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$dir/" -max_total_time="$chunk" "$dir/corpus" \
			>"${logs[$w]}" 2>&1 &
	done
	fail=0
	for ((w = 0; w < jobs; w++)); do
		wait -n || fail=1
	done
	for l in "${logs[@]}"; do
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$l")
		if [ -z "$n" ]; then
			echo "fuzz-long: a worker ended without its statistics: $l" >&2
			fail=1
			continue
		fi
		echo "$(date -u +%FT%TZ) $sha $chunk $n" >>"$dir/ledger"
	done
	if [ $fail -ne 0 ] || ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* >/dev/null 2>&1; then
		echo "fuzz-long: a finding or a failed worker; see $dir" >&2
		tail -n 30 "${logs[@]}" >&2
		exit 1
	fi
	echo "fuzz-long: $(total) executions of $name ($sha) so far; $(grep -m1 -o 'cov: [0-9]* ft: [0-9]*' <(tac "${logs[0]}"))"
done
echo "fuzz-long: $(total) executions of $name ($sha): goal $goal reached without a finding"

#!/usr/bin/env bash
# The soak: `s2mm run` with every self-check and the break-before-make
# monitor on (--check-bbm --check-data, on top of the isolation and
# stale-TLB checks every run makes), over every stage-2 granule and
# layout, both stage-1 formats and every stage-1 granule, with and without
# blocks, and each kind of live memory management. Not in CI: by hand.
#
# Usage: scripts/soak.sh [TOTAL_ACCESSES] [JOBS] [BUILD_DIR]
#   TOTAL_ACCESSES  spread evenly over the runs (default 1000000000)
#   JOBS            runs at once (default: nproc)
# Each run writes BUILD_DIR/soak/NAME.json and .log; the table at the end
# has one line per run. Exit status: 0 when every run passed.
# Resumable: run again with the same arguments and the same s2mm binary
# and it skips the runs that already passed (an interrupted run starts
# over). A different binary or TOTAL starts the whole set again.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
total=${1:-1000000000}
jobs=${2:-$(nproc)}
build=${3:-$root/build}
s2mm=$build/cli/s2mm
out=$build/soak
[ -x "$s2mm" ] || { echo "soak: no $s2mm: build first" >&2; exit 2; }
mkdir -p "$out"

# NAME|OPTIONS: one line per run.
runs=()
for layout in "4K 40 40" "4K 48 48" "4K 52 52" "16K 40 40" "16K 52 52" "64K 42 42" "64K 52 52"; do
  set -- $layout
  g=$1 ipa=$2 pa=$3
  for s1 in "a64 4K" "a64 16K" "a64 64K" "a32 4K"; do
    set -- $s1
    fmt=$1 s1g=$2
    for blocks in blocks no-blocks; do
      runs+=("$g-ipa$ipa-$fmt-$s1g-$blocks|--granule $g --ipa-bits $ipa --pa-bits $pa --s1-format $fmt --s1-granule $s1g --$blocks --workload random")
    done
  done
done
for mm in "migrate|--migrate" "migrate-lazy|--migrate --lazy-split" "share|--share" \
          "overcommit|--vms 8 --cpus 2 --wss 1536 --vm-mem 12M --overcommit 2" \
          "vmid16|--vmid-bits 16 --vms 64" "dirty-all|--dirty-vms 300 --dirty-every 3 --reclaim-every 7"; do
  name=${mm%%|*} opts=${mm#*|}
  for g in 4K 16K 64K; do
    runs+=("$name-$g|--granule $g $opts")
  done
done
per=$(( total / ${#runs[@]} ))
# The runs already passed count only for this binary and this size.
stamp="$(sha256sum <"$s2mm" | cut -d' ' -f1) $per"
if [ "$(cat "$out/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$out"/*.json "$out"/*.log "$out/status.txt"
  echo "$stamp" >"$out/stamp"
fi
touch "$out/status.txt"
todo=()
for r in "${runs[@]}"; do
  grep -qxF "${r%%|*} 0" "$out/status.txt" || todo+=("$r")
done
echo "soak: ${#runs[@]} runs of $per accesses ($total in all), $jobs at a time, into $out"
echo "soak: $(( ${#runs[@]} - ${#todo[@]} )) passed before with this binary; ${#todo[@]} to run"
echo "soak: on $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"

one() {
  local name=${1%%|*} opts=${1#*|}
  # shellcheck disable=SC2086
  "$s2mm" run --quiet --check-bbm --check-data --seed "$(cksum <<<"$name" | cut -d' ' -f1)" \
    --accesses "$per" $opts --json "$out/$name.json" >"$out/$name.log" 2>&1
  echo "$name $?"
}
export -f one
export s2mm out per
start=$(date +%s)
if [ ${#todo[@]} -gt 0 ]; then
  # A failed run is tried again on the next resume: keep only the passes.
  grep ' 0$' "$out/status.txt" >"$out/status.tmp"; mv "$out/status.tmp" "$out/status.txt"
  printf '%s\n' "${todo[@]}" | xargs -d '\n' -P "$jobs" -I{} bash -c 'one "$@"' _ {} >>"$out/status.txt"
fi
secs=$(( $(date +%s) - start ))

fail=0
printf '%-34s %6s %12s %10s %8s %6s %6s %6s\n' run status accesses "s2 faults" TLBIs rolls bbm data
while read -r name status; do
  j=$out/$name.json
  if [ -s "$j" ]; then
    jq -r --arg n "$name" --arg s "$status" \
      '[$n, $s, .accesses, (.s2_faults.translation + .s2_faults.permission), .tlb_flushes,
        .vmid_rollovers, .bbm_violations, .data_errors] | @tsv' "$j" |
      awk -F'\t' '{ printf "%-34s %6s %12s %10s %8s %6s %6s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
  else
    printf '%-34s %6s (no report: see %s)\n' "$name" "$status" "$out/$name.log"
  fi
  [ "$status" = 0 ] || fail=1
done < <(sort "$out/status.txt")
done_acc=$(cat "$out"/*.json | jq -s 'map(.accesses) | add')
echo "soak: $done_acc accesses in $secs s, $(grep -vc ' 0$' "$out/status.txt") failed runs"
exit $fail

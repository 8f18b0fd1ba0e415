#!/bin/bash
# SPDX-License-Identifier: MIT
# s2mm sweep end to end: a 2x2 grid run locally with a plot; the CSV's
# rows and what they must show (a smaller TLB misses more); a resume that
# runs only the run whose report went missing; the same grid through the
# Slurm script, run task by task as an array job would, and --collect,
# which must give the same counts; bad input refused before anything runs.
# usage: sweep.sh S2MM WORKDIR
set -u
s2mm=$1 work=$2
fail() { echo "sweep: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1
base=(run --vms 4 --cpus 2 --accesses 100000 --quiet)
grid=(--vary tlb-entries=64,1024 --vary workload=random,zipf)

# Column NAME of the CSV $1, row by row (the run's number first).
col() {
	awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		{ print $1, (c ? $c : "NOCOLUMN") }' "$1"
}

out=$("$s2mm" sweep "${grid[@]}" --jobs 2 --plot tlb_misses/accesses:tlb-entries \
	"$work/a" -- "${base[@]}") || fail "the sweep failed: $out"
echo "$out" | grep -q "^s2mm sweep: 4 runs, 0 finished before, 4 to run, 2 at once$" ||
	fail "no announcement: $out"
[ "$(echo "$out" | grep -c '^\[[1-4]/4\] run 000[0-3] ok in ')" = 4 ] || fail "not 4 runs ok: $out"
csv=$work/a/results.csv
[ "$(wc -l <"$csv")" = 5 ] || fail "results.csv: not a header and 4 rows"
head -1 "$csv" | grep -q '^run,status,--tlb-entries,--workload,command,workload,accesses,' ||
	fail "results.csv header: $(head -1 "$csv")"
[ "$(col "$csv" status | tr '\n' ' ')" = "0 ok 1 ok 2 ok 3 ok " ] || fail "statuses"
# The first --vary varies slowest: runs 0,1 have 64 entries, 2,3 have 1024.
[ "$(col "$csv" --tlb-entries | tr '\n' ' ')" = "0 64 1 64 2 1024 3 1024 " ] || fail "grid order"
[ "$(col "$csv" --workload | tr '\n' ' ')" = "0 random 1 zipf 2 random 3 zipf " ] || fail "grid order"
# Each run's report is its own: the configuration it ran with...
[ "$(col "$csv" config.tlb_entries | tr '\n' ' ')" = "0 64 1 64 2 1024 3 1024 " ] ||
	fail "config.tlb_entries is not what the run was given"
[ "$(col "$csv" accesses | tr '\n' ' ')" = "0 100000 1 100000 2 100000 3 100000 " ] ||
	fail "accesses"
# ... and what it measured: 64 entries miss more than 1024, per workload.
m=($(col "$csv" tlb_misses | awk '{print $2}'))
[ "${m[0]}" -gt "${m[2]}" ] && [ "${m[1]}" -gt "${m[3]}" ] ||
	fail "a 64-entry TLB does not miss more than a 1024-entry one: ${m[*]}"
grep -q '<svg' "$work/a/tlb_misses_accesses-tlb-entries.svg" || fail "no plot"
[ "$(wc -l <"$work/a/commands.txt")" = 4 ] || fail "commands.txt"

# Resume: only the run whose report is gone runs again.
cp "$csv" "$work/first.csv"
rm "$work/a/runs/0002.json"
out=$("$s2mm" sweep "${grid[@]}" "$work/a" -- "${base[@]}") || fail "resume failed: $out"
echo "$out" | grep -q "4 runs, 3 finished before, 1 to run" || fail "resume: $out"
echo "$out" | grep -q "^\[1/1\] run 0002 ok" || fail "resume ran the wrong run: $out"
# The directory alone resumes it too (nothing left to run).
out=$("$s2mm" sweep "$work/a") || fail "resume by directory failed: $out"
echo "$out" | grep -q "4 runs, 4 finished before, 0 to run" || fail "resume by directory: $out"
# Another grid in the same directory is refused.
out=$("$s2mm" sweep --vary tlb-entries=64 "$work/a" -- "${base[@]}" 2>&1)
[ $? = 2 ] && echo "$out" | grep -q "holds another sweep" || fail "another sweep accepted: $out"

# The same grid as a Slurm job array, each task run here as Slurm would.
out=$("$s2mm" sweep "${grid[@]}" --emit slurm "$work/b" -- "${base[@]}") ||
	fail "--emit slurm failed: $out"
grep -q '^#SBATCH --array=0-3$' "$work/b/sweep.slurm" || fail "sweep.slurm: no array 0-3"
[ -z "$(ls "$work/b/runs")" ] || fail "--emit slurm ran something"
for t in 0 1 2 3; do
	SLURM_ARRAY_TASK_ID=$t sh "$work/b/sweep.slurm" || fail "array task $t failed"
done
SLURM_ARRAY_TASK_ID=4 sh "$work/b/sweep.slurm" 2>/dev/null && fail "array task 4 ran"
out=$("$s2mm" sweep --collect "$work/b") || fail "--collect failed: $out"
echo "$out" | grep -q "results.csv: 4 of 4 runs finished" || fail "--collect: $out"
# The same counts as the local run (not the seconds, nor the rates).
strip() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /seconds|per_second/) drop[i] = 1 }
	{ s = ""; for (i = 1; i <= NF; i++) if (!drop[i]) s = s $i ","; print s }'; }
[ "$(strip "$work/first.csv")" = "$(strip "$work/b/results.csv")" ] ||
	fail "the Slurm runs' results differ from the local ones"

# A run that fails: reported, a nonzero exit, the row marked missing.
out=$("$s2mm" sweep --vary tlb-ways=4,3 "$work/c" -- "${base[@]}" --tlb-entries 64)
[ $? = 1 ] || fail "a failed run did not fail the sweep"
echo "$out" | grep -q "run 0001 FAILED (exit status 2; its log: .*/runs/0001.log): tlb-ways=3" ||
	fail "the failed run is not named: $out"
col "$work/c/results.csv" status | grep -qx "1 missing" || fail "the failed run's row"

# Bad input: refused with a reason, exit status 2, nothing run.
bad() {
	local want=$1; shift
	out=$("$s2mm" sweep "$@" 2>&1)
	[ $? = 2 ] || fail "accepted: $* ($out)"
	echo "$out" | grep -q -- "$want" || fail "'$*' said: $out (wanted: $want)"
}
bad "has no option --frobnicate" --vary frobnicate=1 "$work/d" -- run
bad "an empty value" --vary tlb-entries=64,,128 "$work/d" -- run
bad "expected OPTION=VALUE" --vary tlb-entries "$work/d" -- run
bad "run or trace, not 'explain'" --vary tlb-entries=64 "$work/d" -- explain
bad "writes each run's --json itself" --vary tlb-entries=64 "$work/d" -- run --json x.json
bad "is not varied" --vary tlb-entries=64 --plot tlb_misses:workload "$work/d" -- run
bad "expected METRIC:OPTION" --vary tlb-entries=64 --plot tlb_misses "$work/d" -- run
bad "no run's report has it" --collect --plot no_such_metric:tlb-entries "$work/a"
bad "holds no sweep" "$work"
bad "--jobs wants 1..1024" --jobs 0 "$work/d"
[ -e "$work/d" ] && fail "a refused sweep left $work/d"
echo "sweep: ok"

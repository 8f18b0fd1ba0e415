#!/usr/bin/env bash
# Model-check the VMID allocator's Promela model (tests/spin/vmid.pml) with
# spin, or check that the model still matches src/vmid.c (--drift).
# docs/vmid-model.md describes both.
#
# Usage: tests/spin/check.sh [--workdir DIR] CHECK
#   drift               the C functions the model covers are unchanged
#                       (vmid.manifest: their line ranges and hashes)
#   safe NCPU           exhaustive: properties (a)-(c), no invalid end state
#   bounded NCPU [D]    the same for every execution of up to D steps
#                       (default S2MM_SPIN_DEPTH or 47), breadth-first
#   broken VARIANT [NCPU]  a broken variant (NO_RESERVED, NO_FLUSH,
#                       FAST_STORE) or the configuration FEW_VMIDS (as many
#                       CPUs as usable VMIDs, which s2_vmid_init() refuses)
#                       must give a counterexample (NCPU 2, the default, or
#                       3: breadth-first to S2MM_SPIN_DEPTH)
#   progress NCPU       no cycle without a CPU getting a VMID (weak fairness)
#   ltl NCPU            each CPU that asks gets a VMID, if the lock is granted
# Exit: 0 pass, 1 fail, 77 spin missing (skip; a failure under CI=true).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
workdir=${TMPDIR:-/tmp}/s2mm-spin.$$
while [ $# -gt 0 ]; do
	case $1 in
	--workdir) workdir=$2; shift 2 ;;
	*) break ;;
	esac
done
check=${1:?usage: check.sh [--workdir DIR] drift|safe N|bounded N [D]|broken V [N]|progress N|ltl N}
arg=${2:-}

# Each function the model covers: "name start end sha256" in the manifest.
extract() {	# extract NAME: the definition of NAME in src/vmid.c, kernel style
	awk -v name="$1" '
		!inside && $0 ~ "^[A-Za-z_].*[ *]" name "\\(" && $0 !~ /;[ \t]*$/ {
			inside = 1; start = NR }
		inside { text = text $0 "\n" }
		inside && /^}/ { printf "%d %d\n%s", start, NR, text; exit }
	' "$root/src/vmid.c"
}

drift() {
	local bad=0 name start end sum text got_start got_end got_sum flat
	# The model's comments with their "*" leaders and line breaks removed.
	flat=$(sed 's/^[ \t]*\*//; s/^[ \t]*\/\*//' "$here/vmid.pml" | tr '\n\t' '  ' | tr -s ' ')
	while read -r name start end sum; do
		case $name in '#'* | '') continue ;; esac
		text=$(extract "$name")
		if [ -z "$text" ]; then
			echo "drift: $name() is no longer in src/vmid.c" >&2
			bad=1
			continue
		fi
		read -r got_start got_end <<<"$(head -n1 <<<"$text")"
		got_sum=$(tail -n +2 <<<"$text" | sha256sum | cut -d' ' -f1)
		if [ "$got_sum" != "$sum" ]; then
			echo "drift: $name() (src/vmid.c:$got_start-$got_end) changed since the model was last checked against it" >&2
			bad=1
		elif [ "$got_start-$got_end" != "$start-$end" ]; then
			echo "drift: $name() moved to src/vmid.c:$got_start-$got_end (model and manifest say $start-$end)" >&2
			bad=1
		fi
		if ! grep -qF "$name(), src/vmid.c:$start-$end" <<<"$flat"; then
			echo "drift: vmid.pml does not cite $name(), src/vmid.c:$start-$end" >&2
			bad=1
		fi
	done <"$here/vmid.manifest"
	if [ $bad -ne 0 ]; then
		cat >&2 <<-EOF
		The VMID allocator's C changed under its spin model. Re-read the
		function(s) above against tests/spin/vmid.pml, fix the model if the
		algorithm changed, run tests/spin/check.sh safe 2 (and the broken
		variants), then record the new ranges and hashes:
		  tests/spin/check.sh update-manifest
		and update the "name(), src/vmid.c:A-B" citations in vmid.pml.
		EOF
		return 1
	fi
	echo "drift: the model's $(grep -cv '^#' "$here/vmid.manifest") functions of src/vmid.c are as recorded"
}

update_manifest() {
	local name text out=""
	out=$(grep '^#' "$here/vmid.manifest")$'\n'
	while read -r name _; do
		case $name in '#'* | '') continue ;; esac
		text=$(extract "$name")
		[ -n "$text" ] || { echo "update-manifest: no $name() in src/vmid.c" >&2; return 1; }
		out+="$name $(head -n1 <<<"$text") $(tail -n +2 <<<"$text" | sha256sum | cut -d' ' -f1)"$'\n'
	done <"$here/vmid.manifest"
	printf '%s' "$out" >"$here/vmid.manifest"
}

case $check in
drift) drift; exit ;;
update-manifest) update_manifest; exit ;;
esac

if ! command -v spin >/dev/null || ! command -v gcc >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "spin or gcc not found, and CI=true: failing (scripts/deps.sh test installs spin)" >&2
		exit 1
	fi
	echo "spin or gcc not found: skipped (apt-get install spin, or scripts/deps.sh test)"
	exit 77
fi

mkdir -p "$workdir"
cd "$workdir"
cp "$here/vmid.pml" .

config() {	# config NCPU: the model's -D flags for that many CPUs
	case $1 in
	2) echo "-DNCPU=2 -DNIDX=4 -DNVM=4" ;;	# 3 VMIDs: s2_vmid_narrow(a, 2)
	3) echo "-DNCPU=3 -DNIDX=5 -DNVM=5" ;;	# 4 VMIDs: one free after 3 reserved
	*) echo "check.sh: NCPU 2 or 3" >&2; exit 1 ;;
	esac
}

# build "SPIN_FLAGS" "CC_FLAGS": the model's verifier in ./pan.
build() {
	# shellcheck disable=SC2086
	spin $1 -a vmid.pml >spin.log 2>&1 || { cat spin.log >&2; exit 1; }
	# shellcheck disable=SC2086
	gcc -O2 -w $2 -DCOLLAPSE -DMEMLIM=${S2MM_SPIN_MEMLIM:-8192} -o pan pan.c
}

# run ARGS: pan; prints its summary; sets errors and complete.
run() {
	local t0=$SECONDS
	# shellcheck disable=SC2068
	./pan $@ >pan.log 2>&1 || true
	grep -v '^Depth=' pan.log | sed -n '/^(Spin Version/,/^Stats on memory/p;/^pan: elapsed/p;/^pan:.*violated/p;/^error/p;/acceptance cycle\|non-progress cycle\|invalid end state/p'
	errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.log | tail -n1)
	complete=1
	grep -q 'max search depth too small\|out of memory\|Warning: Search not completed' pan.log && complete=0
	echo "pan $*: $((SECONDS - t0)) s wall on $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p')"
	[ -n "$errors" ] || { echo "pan gave no summary" >&2; cat pan.log >&2; exit 1; }
}

case $check in
safe)
	build "$(config "$arg")" "-DSAFETY"
	run -m20000000 -w26
	[ "$errors" = 0 ] && [ $complete = 1 ] || { echo "FAIL: safe $arg: errors $errors, complete $complete" >&2; exit 1; }
	echo "PASS: safe $arg: exhaustive, no counterexample"
	;;
bounded)
	# Breadth-first to a depth: every execution of up to DEPTH steps (all
	# CPUs' steps counted), exhaustively; deeper ones are not covered.
	depth=${3:-${S2MM_SPIN_DEPTH:-47}}
	build "$(config "$arg") -DBFS_SEARCH" "-DSAFETY -DBFS"
	run -m"$depth" -w27
	grep -q 'out of memory\|MEMLIM bound' pan.log && { echo "FAIL: bounded $arg: out of memory (S2MM_SPIN_MEMLIM)" >&2; exit 1; }
	[ "$errors" = 0 ] || { echo "FAIL: bounded $arg: $errors errors" >&2; exit 1; }
	echo "PASS: bounded $arg: every execution of up to $depth steps, no counterexample"
	;;
broken)
	# With 3 CPUs, breadth-first (the shortest counterexample), bounded.
	n=${3:-2}
	search="-DSAFETY" limit=-m20000000
	model=""
	[ "$n" = 2 ] || search="-DSAFETY -DBFS" limit=-m${S2MM_SPIN_DEPTH:-47} model=-DBFS_SEARCH
	case $arg in
	NO_RESERVED | NO_FLUSH | FAST_STORE) build "$(config "$n") -DBROKEN_$arg $model" "$search" ;;
	FEW_VMIDS) build "-DNCPU=$n -DNIDX=$((n + 1)) -DNVM=$((n + 1)) $model" "$search" ;;
	*) echo "check.sh: broken NO_RESERVED|NO_FLUSH|FAST_STORE|FEW_VMIDS [NCPU]" >&2; exit 1 ;;
	esac
	run $limit -w26
	[ "$errors" != 0 ] || { echo "FAIL: broken $arg: no counterexample, the model misses the bug" >&2; exit 1; }
	spin -t -p -g vmid.pml 2>/dev/null | grep -E 'assertion violated|text of failed' | head -n2 || true
	echo "PASS: broken $arg: counterexample found (trail: $workdir/vmid.pml.trail)"
	;;
progress)
	build "$(config "$arg") -DNP -DNO_CPU_SYMMETRY" "-DNP"
	run -l -f -m20000000 -w26
	[ "$errors" = 0 ] && [ $complete = 1 ] || { echo "FAIL: progress $arg: errors $errors, complete $complete" >&2; exit 1; }
	echo "PASS: progress $arg: no non-progress cycle under weak fairness"
	;;
ltl)
	n=$arg
	for ((c = 0; c < n; c++)); do
		build "$(config "$n") -DPROGRESS -DNO_CPU_SYMMETRY" ""
		run -a -f -N progress$c -m20000000 -w26
		[ "$errors" = 0 ] && [ $complete = 1 ] || { echo "FAIL: ltl progress$c: errors $errors, complete $complete" >&2; exit 1; }
	done
	echo "PASS: ltl $n: each CPU that asks gets a VMID, given the lock"
	;;
*) echo "check.sh: unknown check $check" >&2; exit 1 ;;
esac

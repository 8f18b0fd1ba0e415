#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hold each case of budget_ops to its instruction budget in budgets.txt:
# run it under callgrind, counting only its operation (budget_op_*), and
# compare the instructions per operation (Ir / N) with the recorded budget.
# A fast path disabled changes no result, only this count.
#
# Fails when a case costs more than its budget plus its tolerance, and
# when it costs less than FLOOR% of it: a budget far above what the code
# costs would no longer catch a lost fast path, so it is re-recorded then.
# Skips (77), saying why, when the build is sanitized or its toolchain is
# not the one the budgets were recorded with: counts depend on both.
#
# usage: budget.sh --driver PATH [--valgrind PATH] [--budgets FILE]
#                  [--toolchain "ID VERSION BUILD_TYPE FLAGS"] [--sanitized WHAT]
#                  [--record] CASE...
# --record measures the cases and writes their budgets (and the toolchain
# line) into the budgets file, keeping the tolerance and N of each.
set -uo pipefail

FLOOR=70
here=$(cd "$(dirname "$0")" && pwd)
budgets=$here/budgets.txt
driver= valgrind=valgrind toolchain= sanitized= record=0
cases=()
while [ $# -gt 0 ]; do
	case $1 in
	--driver) driver=$2; shift 2 ;;
	--valgrind) valgrind=$2; shift 2 ;;
	--budgets) budgets=$2; shift 2 ;;
	--toolchain) toolchain=$2; shift 2 ;;
	--sanitized) sanitized=$2; shift 2 ;;
	--record) record=1; shift ;;
	-*) echo "budget.sh: unknown option $1" >&2; exit 2 ;;
	*) cases+=("$1"); shift ;;
	esac
done
if [ -z "$driver" ] || [ ${#cases[@]} -eq 0 ]; then
	sed -n '/^# usage:/,/^# line)/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
if ! command -v "$valgrind" >/dev/null; then
	# CMake registers missing_budget instead when it finds no valgrind.
	echo "SKIP: valgrind not found"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
if [ -n "$sanitized" ]; then
	echo "SKIP: a sanitized build ($sanitized): its instruction counts mean nothing against the budgets"
	exit 77
fi

# "# toolchain: ..." in the budgets file: the build they were recorded with.
recorded=$(sed -n 's/^# toolchain: //p' "$budgets")
if [ "$record" = 0 ] && [ -n "$toolchain" ] && [ "$toolchain" != "$recorded" ]; then
	echo "SKIP: the budgets were recorded with \"$recorded\", this build is \"$toolchain\";"
	echo "      instruction counts depend on compiler and flags (cmake --build build --target budget-record records them for this one)"
	exit 77
fi

# The line "CASE N IR_PER_OP TOLERANCE%" of @1.
budget_line() {
	awk -v c="$1" '$1 == c && $1 !~ /^#/ { print; exit }' "$budgets"
}

# Ir of @2 operations of case @1, counted in its budget_op_* alone.
measure() {
	local c=$1 n=$2 fn out
	fn=budget_op_${c//-/_}
	out=$(mktemp)
	if ! "$valgrind" --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="$fn" "$driver" "$c" "$n" >/dev/null 2>"$out.log"; then
		echo "budget.sh: $driver $c $n failed under callgrind:" >&2
		cat "$out.log" >&2
		rm -f "$out" "$out.log"
		return 1
	fi
	awk '/^summary:/ { print $2 }' "$out"
	rm -f "$out" "$out.log"
}

status=0
for c in "${cases[@]}"; do
	line=$(budget_line "$c")
	if [ -z "$line" ]; then
		echo "budget.sh: no budget for case $c in $budgets" >&2
		exit 2
	fi
	read -r _ n budget tol <<<"$line"
	tol=${tol%\%}
	ir=$(measure "$c" "$n") || exit 1
	if [ -z "$ir" ]; then
		echo "budget.sh: no instruction count for $c (is budget_op_* still there?)" >&2
		exit 1
	fi
	per=$(( (ir + n / 2) / n ))
	if [ "$record" = 1 ]; then
		awk -v c="$c" -v per="$per" '$1 == c { printf "%-12s %-6s %-10s %s\n", $1, $2, per, $4; next } { print }' \
			"$budgets" >"$budgets.new" && mv "$budgets.new" "$budgets"
		echo "recorded $c: $per instructions per operation ($ir over $n)"
		continue
	fi
	if [ "$budget" -le 0 ]; then
		echo "FAIL $c: $per instructions per operation, and no budget recorded (--record)"
		status=1
		continue
	fi
	hi=$(( budget * (100 + tol) / 100 ))
	lo=$(( budget * FLOOR / 100 ))
	pct=$(( per * 100 / budget ))
	if [ "$per" -gt "$hi" ]; then
		echo "FAIL $c: $per instructions per operation, ${pct}% of its budget $budget (limit +$tol%: $hi)"
		echo "     a fast path lost? (tests/budget/budgets.txt; docs/mutation.md)"
		status=1
	elif [ "$per" -lt "$lo" ]; then
		echo "FAIL $c: $per instructions per operation, only ${pct}% of its budget $budget (floor $FLOOR%: $lo)"
		echo "     faster than recorded: re-record (cmake --build build --target budget-record) so the budget keeps meaning something"
		status=1
	else
		echo "ok $c: $per instructions per operation, ${pct}% of its budget $budget (limit $hi, floor $lo)"
	fi
done
if [ "$record" = 1 ] && [ -n "$toolchain" ]; then
	awk -v t="$toolchain" '/^# toolchain: / { print "# toolchain: " t; next } { print }' \
		"$budgets" >"$budgets.new" && mv "$budgets.new" "$budgets"
fi
exit $status

#!/bin/sh
# SPDX-License-Identifier: MIT
# Run an `s2mm hyp` command (which boots s2hyp under QEMU through cli/qemu.c)
# and check how it ended.
# usage: run_s2hyp.sh EXPECTED_STATUS PATTERN... -- S2MM-COMMAND...
# Each PATTERN, a grep basic regex, must match a line of the output.
# Exit 77 (ctest SKIP_RETURN_CODE) when S2HYP_SKIP=1 (CMake found no
# aarch64-linux-gnu-gcc, or for AArch32 guests no arm-linux-gnueabihf-gcc)
# or when there is no QEMU to boot it; scripts/test.sh installs both.
want=$1
shift
n=0
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	n=$((n + 1))
	eval "pat$n=\$1"
	shift
done
shift
if [ "${S2HYP_SKIP:-0}" = 1 ] ||
   ! command -v "${QEMU:-qemu-system-aarch64}" >/dev/null 2>&1; then
	echo "SKIP: qemu-system-aarch64 or a cross compiler not installed"
	[ "${CI:-}" = true ] && { echo "CI=true: skips fail here" >&2; exit 1; }
	exit 77
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" </dev/null >"$log" 2>&1
rc=$?
cat "$log"
if [ "$rc" != "$want" ]; then
	echo "FAIL: exit status $rc, expected $want"
	exit 1
fi
i=1
while [ $i -le $n ]; do
	eval "pat=\$pat$i"
	if ! grep -q -- "$pat" "$log"; then
		echo "FAIL: no line matching '$pat'"
		exit 1
	fi
	i=$((i + 1))
done
echo "OK: exited $rc"

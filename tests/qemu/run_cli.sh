#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the s2mm command and check its exit status and output.
# usage: run_cli.sh S2MM EXPECTED_STATUS PATTERN ARGS...
# Exit 77 (ctest SKIP_RETURN_CODE) when S2HYP_SKIP=1 or QEMU is absent.
s2mm=$1 want=$2 pat=$3
shift 3
if [ "${S2HYP_SKIP:-0}" = 1 ] || ! command -v "${QEMU:-qemu-system-aarch64}" >/dev/null 2>&1; then
	echo "SKIP: qemu-system-aarch64 or a cross compiler not installed"
	exit 77
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$s2mm" "$@" >"$log" 2>&1
rc=$?
cat "$log"
if [ "$rc" != "$want" ]; then
	echo "FAIL: exit status $rc, expected $want"
	exit 1
fi
if ! grep -q -- "$pat" "$log"; then
	echo "FAIL: no line matching '$pat'"
	exit 1
fi
echo "OK: s2mm $* exited $rc"

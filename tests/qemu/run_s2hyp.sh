#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot s2hyp under QEMU and check how it ended.
# usage: run_s2hyp.sh ELF CPU SMP SCENARIO EXPECTED_STATUS PATTERN...
# Exit 77 (ctest SKIP_RETURN_CODE) when QEMU or the cross build is absent
# (S2HYP_SKIP=1 from CMake: no aarch64-linux-gnu-gcc, or for AArch32
# guests no arm-linux-gnueabihf-gcc).
elf=$1 cpu=$2 smp=$3 scenario=$4 want=$5
shift 5
qemu=${QEMU:-qemu-system-aarch64}

if [ "${S2HYP_SKIP:-0}" = 1 ] || ! command -v "$qemu" >/dev/null 2>&1; then
	echo "SKIP: qemu-system-aarch64 or a cross compiler not installed"
	exit 77
fi
if [ ! -f "$elf" ]; then
	echo "FAIL: $elf not built (build the s2hyp target first)"
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# -semihosting: s2hyp's exit status becomes QEMU's; timeout guards a hang
# (without semihosting an HLT would spin forever).
timeout 60 "$qemu" -M virt,virtualization=on -cpu "$cpu" -m 512M -smp "$smp" \
	-nographic -monitor none -semihosting -kernel "$elf" \
	-append "test=$scenario" </dev/null >"$log" 2>&1
rc=$?
cat "$log"
if [ "$rc" != "$want" ]; then
	echo "FAIL: exit status $rc, expected $want"
	exit 1
fi
for pat in "$@"; do
	if ! grep -q -- "$pat" "$log"; then
		echo "FAIL: no line matching '$pat'"
		exit 1
	fi
done
echo "OK: $cpu -smp $smp test=$scenario exited $rc"

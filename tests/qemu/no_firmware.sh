#!/bin/sh
# SPDX-License-Identifier: MIT
# s2hyp needs no ROM or firmware file: every `s2mm hyp` subcommand must work
# with a QEMU that can find none.
# usage: no_firmware.sh S2MM ELF
#
# `-L DIR` alone cannot show this: QEMU searches DIR first and then its
# built-in data directories, found relative to its own binary
# (<bin>/../share/qemu, ../share/seabios, ../lib/ipxe/qemu; `-L help` lists
# them). So the binary is linked (or copied) into a directory of its own,
# whose ../share and ../lib are empty, and -L names an empty directory too.
s2mm=$1 elf=$2
real=$(command -v "${QEMU:-qemu-system-aarch64}")
if [ "${S2HYP_SKIP:-0}" = 1 ] || [ -z "$real" ]; then
	echo "SKIP: qemu-system-aarch64 or a cross compiler not installed"
	[ "${CI:-}" = true ] && { echo "CI=true: skips fail here" >&2; exit 1; }
	exit 77
fi
# A wrapper (scripts/qemu-oracle.sh's QEMU 10) names its own data
# directories: there is no binary to move away from them.
if [ "$(head -c 4 "$real" | od -An -c | tr -d ' ')" != '177ELF' ]; then
	echo "SKIP: $real is not a QEMU binary (a wrapper script) that can be relocated"
	[ "${CI:-}" = true ] && { echo "CI=true: skips fail here" >&2; exit 1; }
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/empty"
q=$tmp/bin/qemu-system-aarch64
ln "$real" "$q" 2>/dev/null || cp "$real" "$q" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# 1. The control: this QEMU with the virt machine's default devices (what
# s2hyp's launchers once asked for) must fail for want of a ROM; if it does
# not, this test could not catch a ROM dependency.
"$q" -L help
"$q" -L "$tmp/empty" -L help | grep -v "^$tmp/" &&
	fail "the relocated QEMU still searches outside $tmp"
timeout 30 "$q" -M virt,virtualization=on -cpu max -m 512M -nographic \
	-monitor none -semihosting -L "$tmp/empty" -kernel "$elf" \
	-append test=boot </dev/null >"$tmp/control" 2>&1
rc=$?
cat "$tmp/control"
[ $rc != 0 ] && grep -q 'failed to find romfile' "$tmp/control" ||
	fail "control: QEMU's default devices booted (status $rc) without their ROMs"
echo "control: QEMU's default devices fail without their ROM files (status $rc)"

# 2. Every subcommand through that QEMU.
ok() {
	want=$1 pat=$2
	shift 2
	"$@" </dev/null >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ "$rc" = "$want" ] || fail "exit status $rc, expected $want: $*"
	grep -q -- "$pat" "$tmp/out" || fail "no line matching '$pat': $*"
}
opts="--elf $elf --qemu $q --qemu-datadir $tmp/empty"
ok 0 "^s2mm hyp check: ok" "$s2mm" hyp check $opts
ok 0 "guests: 2 passed, 0 failed" "$s2mm" hyp boot $opts --cpu max --cpus 2 test=guest
ok 0 "^20 passed, 0 failed$" "$s2mm" hyp run $opts --guests 20 --cpus 2
ok 0 "^2000 passed, 0 failed$" "$s2mm" hyp fidelity $opts --count 2000 --cpu max

# 3. A QEMU that adds a network card by itself: the preflight names the
# missing file and its package, in one message.
cat >"$tmp/bin/qemu-with-nic" <<EOS
#!/bin/sh
exec "$q" "\$@" -nic user,model=virtio-net-pci
EOS
chmod +x "$tmp/bin/qemu-with-nic"
ok 1 'cannot boot s2hyp: QEMU wants the firmware file "efi-virtio.rom" (Debian package ipxe-qemu)' \
	"$s2mm" hyp check --elf "$elf" --qemu "$tmp/bin/qemu-with-nic" --qemu-datadir "$tmp/empty"
[ "$(grep -c 'cannot boot' "$tmp/out")" = 1 ] || fail "more than one message"
echo "OK: s2hyp boots with no firmware file anywhere"

#!/usr/bin/env bash
# Fetch and build the Linux guest images for s2hyp, reproducibly.
# Usage: scripts/linux-images.sh OUTDIR
#
# Downloads Debian's arm64 kernel (whatever linux-image-arm64 currently
# depends on) and busybox-static arm64 with a private apt state under
# OUTDIR/apt (the machine's own apt sources, never its dpkg architecture list
# or /etc), and writes:
#   OUTDIR/Image         raw arm64 kernel Image (gzip'ed vmlinuz is unpacked)
#   OUTDIR/initrd.gz     cpio newc + gzip: busybox, applet links, /init from
#                        hyp/linux/init, /dev/console, dev proc sys tmp
#   OUTDIR/sysroot/      Debian's arm64 gzip and libc6, unpacked: programs
#                        for `s2mm record` under qemu-aarch64 -L OUTDIR/sysroot
#   OUTDIR/manifest.txt  key=value: packages, versions, sha256s, workload_sum
# Cached: when manifest.txt records the current sha256 of hyp/linux/init and of
# this script and the outputs still match it, nothing is done.  Remove
# OUTDIR/manifest.txt to force a rebuild (e.g. to pick up a newer kernel).
set -Eeuo pipefail

step() { echo "linux-images: $*" >&2; }
die() {
  trap - ERR
  echo "linux-images: FAILED: $*" >&2
  exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self="$root/scripts/linux-images.sh"
. "$root/scripts/apt-private.sh"
init_src="$root/hyp/linux/init"
[ -f "$init_src" ] || die "missing $init_src"
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)
manifest="$out/manifest.txt"

mget() { sed -n "s/^$1=//p" "$manifest" 2>/dev/null | head -n1; }

init_sha=$(sha "$init_src")
script_sha=$(sha "$self")

# ---- cache check ----
if [ -f "$manifest" ] && [ "$(mget init_sha256)" = "$init_sha" ] &&
   [ "$(mget script_sha256)" = "$script_sha" ] &&
   [ -f "$out/Image" ] && [ -f "$out/initrd.gz" ] && [ -x "$out/sysroot/bin/gzip" ] &&
   [ "$(mget image_sha256)" = "$(sha "$out/Image")" ] &&
   [ "$(mget initrd_sha256)" = "$(sha "$out/initrd.gz")" ]; then
  step "up to date: $manifest"
  exit 0
fi
rm -f "$manifest"

# ---- host tools ----
need=()
for p in cpio gzip; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  step "installing host packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq || die "apt-get update (host) failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >&2 || die "apt-get install ${need[*]} failed"
fi

# ---- private apt state for arm64 ----
d="$out/apt"
apt_private "$d" arm64

kpkg=$(apt-cache "${aopts[@]}" depends linux-image-arm64 |
       sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1) || true
[ -n "$kpkg" ] || die "apt-cache depends linux-image-arm64 named no linux-image-* package$upd_err"
step "kernel package: $kpkg"

kdeb=$(fetch_deb "$kpkg") || exit 1
kver=$(dpkg-deb -f "$kdeb" Version)
bdeb=$(fetch_deb busybox-static) || exit 1
bver=$(dpkg-deb -f "$bdeb" Version)

# ---- kernel Image ----
step "unpacking $(basename "$kdeb")"
rm -rf "$d/x-kernel"
dpkg -x "$kdeb" "$d/x-kernel" || die "dpkg -x $kdeb failed"
vmlinuz=("$d/x-kernel/boot/vmlinuz-"*)
[ ${#vmlinuz[@]} -eq 1 ] && [ -f "${vmlinuz[0]}" ] ||
  die "expected one boot/vmlinuz-* in $kpkg, found: ${vmlinuz[*]}"
krel=${vmlinuz[0]##*/vmlinuz-}
bytes() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
u64() { od -An -v -tx8 --endian=little -j "$2" -N 8 "$1" | tr -d ' \n'; }
img="$out/Image.tmp"
if [ "$(bytes "${vmlinuz[0]}" 0 2)" = 1f8b ]; then
  step "vmlinuz-$krel is gzip-compressed: decompressing"
  gzip -dc <"${vmlinuz[0]}" >"$img" || die "gunzip of vmlinuz-$krel failed"
else
  cp "${vmlinuz[0]}" "$img"
fi
[ "$(bytes "$img" 56 4)" = 41524d64 ] ||
  die "vmlinuz-$krel is not a raw arm64 Image (no \"ARM\\x64\" magic at 0x38)"
mv -f "$img" "$out/Image"
rm -rf "$d/x-kernel" # ~370 MB of modules; the .deb stays cached in $d/debs
step "Image: $(stat -c %s "$out/Image") bytes, text_offset=0x$(u64 "$out/Image" 8) image_size=0x$(u64 "$out/Image" 16) flags=0x$(u64 "$out/Image" 24)"

# ---- initramfs ----
step "unpacking $(basename "$bdeb")"
rm -rf "$d/x-busybox"
dpkg -x "$bdeb" "$d/x-busybox" || die "dpkg -x $bdeb failed"
bb="$d/x-busybox/bin/busybox"
[ -f "$bb" ] || die "busybox-static has no /bin/busybox"
# ELF, 64-bit, little endian, e_machine 0xb7 (AArch64)
[ "$(bytes "$bb" 0 6)" = 7f454c460201 ] && [ "$(bytes "$bb" 18 2)" = b700 ] ||
  die "$bb is not an AArch64 ELF executable"

applets=(sh mount cat tr seq head md5sum rm sort gzip gunzip poweroff sleep nproc taskset devmem)
# applet names sit NUL-separated in the binary
tr '\0' '\n' <"$bb" | LC_ALL=C sort -u >"$d/busybox-strings"
for a in "${applets[@]}"; do
  grep -qxF -- "$a" "$d/busybox-strings" || die "busybox $bver seems to lack the applet '$a'"
done

r="$d/initramfs"
rm -rf "$r"
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp"
install -m 0755 "$bb" "$r/bin/busybox"
for a in "${applets[@]}"; do ln -s busybox "$r/bin/$a"; done
install -m 0755 "$init_src" "$r/init"
chmod 0755 "$r" "$r/bin" "$r/dev" "$r/proc" "$r/sys"
chmod 1777 "$r/tmp"
find "$r" -exec touch -h -d @0 {} +

# newc entry for a character device, written by hand so that no device node
# has to exist on the build machine. $1 name, $2 mode (octal), $3/$4 rdev.
newc() {
  local name=$1 mode=$2 maj=$3 min=$4 ns pad
  ns=$(( ${#name} + 1 ))
  printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
    1 $((8#$mode)) 0 0 1 0 0 0 0 "$maj" "$min" "$ns" 0
  printf '%s\0' "$name"
  pad=$(( (4 - (110 + ns) % 4) % 4 ))
  head -c "$pad" /dev/zero
}

step "building initrd.gz (busybox $bver)"
{
  (cd "$r" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
     cpio -o -H newc --owner 0:0 --reproducible --quiet) ||
    die "cpio of $r failed"
  # second archive, concatenated (the kernel reads both): /dev/console
  newc dev/console 020600 5 1
  newc TRAILER!!! 0 0 0
} | gzip -9 -n >"$out/initrd.gz.tmp"
mv -f "$out/initrd.gz.tmp" "$out/initrd.gz"

# ---- an arm64 user land for `s2mm record` (qemu-aarch64 -L) ----
gdeb=$(fetch_deb gzip) || exit 1
cdeb=$(fetch_deb libc6) || exit 1
rm -rf "$out/sysroot"
dpkg -x "$cdeb" "$out/sysroot" || die "dpkg -x $cdeb failed"
dpkg -x "$gdeb" "$out/sysroot" || die "dpkg -x $gdeb failed"
[ -x "$out/sysroot/bin/gzip" ] || die "gzip has no /bin/gzip"

# ---- expected workload result ----
seqn=$(sed -n 's/^S2MM_SEQ_DEFAULT=\([0-9][0-9]*\)$/\1/p' "$init_src" | head -n1)
[ -n "$seqn" ] || die "no S2MM_SEQ_DEFAULT=<n> line in $init_src"
wsum=$(seq 1 "$seqn" | LC_ALL=C sort -r | md5sum | cut -d' ' -f1)

step "writing $manifest"
cat >"$manifest.tmp" <<EOF
kernel_package=$kpkg
kernel_version=$kver
kernel_release=$krel
kernel_deb_sha256=$(sha "$kdeb")
busybox_version=$bver
busybox_deb_sha256=$(sha "$bdeb")
gzip_version=$(dpkg-deb -f "$gdeb" Version)
libc6_version=$(dpkg-deb -f "$cdeb" Version)
image_sha256=$(sha "$out/Image")
image_bytes=$(stat -c %s "$out/Image")
image_text_offset=0x$(u64 "$out/Image" 8)
image_size=0x$(u64 "$out/Image" 16)
image_flags=0x$(u64 "$out/Image" 24)
initrd_sha256=$(sha "$out/initrd.gz")
initrd_bytes=$(stat -c %s "$out/initrd.gz")
workload_seq=$seqn
workload_sum=$wsum
init_sha256=$init_sha
script_sha256=$script_sha
EOF
mv -f "$manifest.tmp" "$manifest"
step "done: $out/Image $out/initrd.gz"

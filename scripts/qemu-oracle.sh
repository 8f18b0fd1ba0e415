#!/usr/bin/env bash
# Fetch a second QEMU, the one Debian 12 carries in bookworm-backports
# (10.0), as a second oracle for the MMU model and a second machine for
# s2hyp, without installing it: the machine keeps its own QEMU 7.2.
# Usage: scripts/qemu-oracle.sh OUTDIR
#
# Downloads qemu-system-arm, qemu-system-common and qemu-system-data of
# the backports version with a private apt state under OUTDIR/apt (the
# machine's sources, plus bookworm-backports on the same mirror), unpacks
# them under OUTDIR/root and writes:
#   OUTDIR/qemu-system-aarch64  a wrapper: that QEMU with its own data
#                               (-L) and module directories
#   OUTDIR/manifest.txt         key=value: version, sha256s
# Use it with QEMU=OUTDIR/qemu-system-aarch64 (every s2mm hyp command and
# test) or --qemu. Cached like linux-images.sh.
set -Eeuo pipefail

step() { echo "qemu-oracle: $*" >&2; }
die() {
  trap - ERR
  echo "qemu-oracle: FAILED: $*" >&2
  exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self="$root/scripts/qemu-oracle.sh"
. "$root/scripts/apt-private.sh"
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)
manifest="$out/manifest.txt"
wrapper="$out/qemu-system-aarch64"
mget() { sed -n "s/^$1=//p" "$manifest" 2>/dev/null | head -n1; }
script_sha=$(sha "$self")
# The major version wanted: what the backports suite had when this was
# written; a newer one is a different oracle, to be judged anew.
major=10

if [ -f "$manifest" ] && [ "$(mget script_sha256)" = "$script_sha" ] &&
   [ -x "$wrapper" ] && [ -x "$out/root/usr/bin/qemu-system-aarch64" ] &&
   [ "$(mget binary_sha256)" = "$(sha "$out/root/usr/bin/qemu-system-aarch64")" ]; then
  step "up to date: $manifest"
  exit 0
fi
rm -f "$manifest"

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
arch=$(dpkg --print-architecture)
apt_private "$out/apt" "$arch" "$codename-backports"

ver=$(apt-cache "${aopts[@]}" show --no-all-versions qemu-system-arm | sed -n 's/^Version: //p' | head -n1)
[ -n "$ver" ] || die "no qemu-system-arm in $codename-backports$upd_err"
case "$ver" in
  *:$major.*) ;;
  *) die "qemu-system-arm $ver in $codename-backports: QEMU $major.x expected" ;;
esac
step "qemu-system-arm $ver"

debs=()
for p in qemu-system-arm qemu-system-common qemu-system-data; do
  debs+=("$(fetch_deb "$p" "$ver")") || exit 1
done

rm -rf "$out/root"
for f in "${debs[@]}"; do
  dpkg -x "$f" "$out/root" || die "dpkg -x $f failed"
done
bin="$out/root/usr/bin/qemu-system-aarch64"
[ -x "$bin" ] || die "qemu-system-arm $ver has no usr/bin/qemu-system-aarch64"
moddir=$(ls -d "$out/root/usr/lib/"*/qemu 2>/dev/null | head -n1) || true
[ -n "$moddir" ] || die "no usr/lib/*/qemu module directory in qemu-system-common $ver"

# The libraries it needs come from the machine (the backport is built for
# it); say which are missing rather than fail on the first boot.
missing=$(ldd "$bin" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found$/\1/p' | tr '\n' ' ')
[ -z "$missing" ] || die "QEMU $ver needs libraries this machine lacks: $missing(install qemu-system-arm, Debian's 7.2, for them)"

cat >"$wrapper.tmp" <<EOF
#!/bin/sh
# QEMU $ver from $codename-backports (scripts/qemu-oracle.sh): its own
# firmware and modules, never those of the machine's QEMU.
QEMU_MODULE_DIR='$moddir' exec '$bin' -L '$out/root/usr/share/qemu' "\$@"
EOF
chmod 0755 "$wrapper.tmp"
mv -f "$wrapper.tmp" "$wrapper"
got=$("$wrapper" --version | head -n1)
case "$got" in
  *"version $major."*) ;;
  *) die "$wrapper --version says: $got" ;;
esac

cat >"$manifest.tmp" <<EOF
qemu_version=$ver
qemu_says=$got
binary_sha256=$(sha "$bin")
qemu_system_arm_deb_sha256=$(sha "${debs[0]}")
qemu_system_common_deb_sha256=$(sha "${debs[1]}")
qemu_system_data_deb_sha256=$(sha "${debs[2]}")
script_sha256=$script_sha
EOF
mv -f "$manifest.tmp" "$manifest"
step "done: $wrapper ($got)"

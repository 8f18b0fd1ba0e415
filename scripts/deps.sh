#!/usr/bin/env bash
# Install what s2mm needs on Debian, only when something is missing.
# Usage: scripts/deps.sh [build|test]
set -euo pipefail
pkgs=(cmake make gcc pkg-config libcmocka-dev libjansson-dev zlib1g-dev libzstd-dev liblzma-dev)
if [ "${1:-build}" = test ]; then
  pkgs+=(gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf qemu-system-arm qemu-user
         clang libclang-rt-14-dev valgrind gnuplot-nox jq libfdt-dev device-tree-compiler
         doxygen graphviz g++ groff-base python3 spin)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

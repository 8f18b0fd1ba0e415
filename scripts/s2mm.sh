#!/usr/bin/env bash
# Build (if needed) and run the s2mm command: scripts/s2mm.sh <command> [options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" build
build="$root/build"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target s2mm_cli -j"$(nproc)" >/dev/null
exec "$build/cli/s2mm" "$@"

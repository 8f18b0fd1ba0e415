#!/usr/bin/env bash
# Run every test: a preflight that s2hyp boots under QEMU here, the
# freestanding AArch64 build of the library, the suite
# under ASan+UBSan, the threaded tests under TSan, a short libFuzzer run of
# the MMU model, the library's API and the command's parsers, and last the
# whole suite
# (unit, model-based, fuzz replay, CLI, s2hyp under QEMU) whose ctest summary
# ends the output. Exits non-zero if any step failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" test || exit 1
jobs=$(nproc)
status=0
# Each step says when it starts (seconds since the start): CI has 20 minutes.
step() { echo; echo "=== [${SECONDS} s] $*"; }

# Half the suite boots s2hyp under QEMU: when that cannot work here, say
# once what is missing rather than fail every one of those tests alike.
step "preflight: build, then boot the smallest s2hyp image once"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
  cmake --build "$root/build" -j"$jobs" >/dev/null || { echo "FAILED: the build"; exit 1; }
"$root/build/cli/s2mm" hyp check --no-build ||
  { echo "FAILED: s2hyp cannot boot on this machine (the line above says why)"; exit 1; }

step "freestanding AArch64 build of libs2mm and the MMU model (no libc)"
cmake -S "$root" -B "$root/build-a64" \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-freestanding.cmake" >/dev/null &&
  cmake --build "$root/build-a64" -j"$jobs" >/dev/null || { echo "FAILED"; status=1; }
# GCC may call memset/memcpy/memmove/memcmp even freestanding; nothing else.
libs=("$root"/build-a64/*.a)
defined=$(aarch64-linux-gnu-nm --defined-only "${libs[@]}" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u)
undef=$(aarch64-linux-gnu-nm -u "${libs[@]}" 2>/dev/null | awk 'NF==2 {print $2}' | sort -u |
        comm -23 - <(echo "$defined") | grep -vxE 'mem(set|cpy|move|cmp)')
if [ -n "$undef" ]; then echo "FAILED: libs2mm needs symbols: $undef"; status=1; else echo "ok: no libc symbols needed"; fi

step "ASan+UBSan: every host test (not the mutation job, which builds its own tree; not the spin model, which runs no C of ours; not the slow ones)"
# -O1, as the sanitizers' authors advise: at -O0 the simulator's long runs
# took most of CI's 20 minutes; asserts stay on (Debug: no NDEBUG).
cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
  -DS2MM_SANITIZE=ON -DS2MM_SKIP_HYP=ON >/dev/null &&
  cmake --build "$root/build-asan" -j"$jobs" >/dev/null &&
  (cd "$root/build-asan" && ctest -j"$jobs" -LE "qemu|mutation|spin|slow" --output-on-failure | grep -vE "^ +Start |Test +#[0-9]+: .* Passed") || status=1

step "TSan: concurrent tests"
cmake -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DS2MM_TSAN=ON \
  -DCMAKE_C_COMPILER=clang -DS2MM_SKIP_HYP=ON >/dev/null &&
  cmake --build "$root/build-tsan" -j"$jobs" >/dev/null &&
  (cd "$root/build-tsan" && ctest -j"$jobs" -L concurrency --output-on-failure | grep -vE "^ +Start |Test +#[0-9]+: .* Passed") || status=1

step "libFuzzer: the MMU model's walk, the library's API, the command's parsers (short runs)"
cmake -S "$root" -B "$root/build-fuzz" -DCMAKE_C_COMPILER=clang -DS2MM_FUZZ=ON \
  -DS2MM_SKIP_HYP=ON >/dev/null &&
  cmake --build "$root/build-fuzz" --target fuzz_walk fuzz_api fuzz_cli_parse -j"$jobs" >/dev/null &&
  (cd "$root/build-fuzz" && ctest -R 'fuzz_(walk|api|cli_parse)_short' --output-on-failure | grep -vE "^ +Start |Test +#[0-9]+: .* Passed") || status=1

step "the whole suite (built by the preflight; labels slow and qemu10 left out: ctest -L slow, ctest -L qemu10)"
(cd "$root/build" && ctest -j"$jobs" -LE 'slow|qemu10' --output-on-failure) || status=1
exit $status

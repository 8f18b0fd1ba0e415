#!/bin/sh
# SPDX-License-Identifier: MIT
# `s2mm record` and the replay of its traces, end to end.
# Usage: record.sh MODE S2MM PAGES SRCDIR OUTDIR [GEN_MACHINE]
#   user     record tests/trace/tiny.S under qemu-aarch64: exact counts,
#            two recordings identical, --dump agrees with --info, replay
#   bad      damaged traces: truncated, a changed byte, junk after the end
#   linux    the Linux guest from power-on: the replay (4K stage-2 pages, no
#            blocks) takes one stage-2 translation fault per distinct RAM
#            page of the trace (counted by PAGES, an independent reader),
#            and one per device access; then Debian's arm64 busybox (from
#            the guest's images) and Debian's gzip with its libc6 (the
#            images' sysroot) gzip a file under qemu-aarch64
#   forks    the Linux kernel with tests/trace/forks.c as /init (PID 1 forks
#            3 children, nothing else runs in user mode): the replay tells
#            apart exactly 5 address spaces (the boot identity map, PID 1,
#            the children)
#   linux2   two recordings of the Linux guest are identical
#   machine  a machine's trace with known answers (GEN_MACHINE writes it):
#            its address spaces told apart, MMU phases, a remap, faults
set -eu
mode=$1 s2mm=$2 pages=$3 src=$4 out=$5 gen=${6:-}
mkdir -p "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
jqv() { jq -e "$2" "$1" >/dev/null || fail "$1: $2 ($(jq -c . "$1" | cut -c1-600))"; }

case $mode in
user)
  aarch64-linux-gnu-gcc -nostdlib -static -o "$out/tiny" "$src/tests/trace/tiny.S"
  for i in 1 2; do
    "$s2mm" record -o "$out/tiny$i.s2t" -- "$out/tiny" || fail "record $i"
  done
  cmp "$out/tiny1.s2t" "$out/tiny2.s2t" || fail "two recordings differ"
  "$s2mm" record --info "$out/tiny1.s2t" --json "$out/tiny.info.json"
  jqv "$out/tiny.info.json" '.loads == 14 and .stores == 10 and .fetches == 81 and .events == 0 and .system == false and .no_pa == 81 + 24 and .el1 == 0 and .va_pages == 2'
  "$s2mm" record --dump "$out/tiny1.s2t" > "$out/tiny.dump"
  [ "$(awk '$3 == "L" && $6 == 8' "$out/tiny.dump" | wc -l)" = 7 ] || fail "7 8-byte loads"
  [ "$(awk '$3 == "L" && $6 == 1' "$out/tiny.dump" | wc -l)" = 7 ] || fail "7 1-byte loads"
  [ "$(awk '$3 == "S" && $6 == 8' "$out/tiny.dump" | wc -l)" = 10 ] || fail "10 stores"
  # The stores walk the buffer 8 bytes at a time.
  prev=
  for a in $(awk '$3 == "S" { print $4 }' "$out/tiny.dump"); do
    [ -z "$prev" ] || [ $((a - prev)) = 8 ] || fail "store addresses: $prev then $a"
    prev=$a
  done
  "$s2mm" trace "$out/tiny1.s2t" --json "$out/tiny.trace.json" --quiet
  jqv "$out/tiny.trace.json" '.accesses == 105 and .trace_lines == 105 and .s1_faults == 2 and .livelocks == 0 and .errors == 0 and .stale_tlb_hits == 0 and .isolation_violations == 0'
  ;;
bad)
  aarch64-linux-gnu-gcc -nostdlib -static -o "$out/tiny" "$src/tests/trace/tiny.S"
  "$s2mm" record -o "$out/ok.s2t" -- "$out/tiny"
  n=$(stat -c %s "$out/ok.s2t")
  head -c $((n - 5)) "$out/ok.s2t" > "$out/cut.s2t"
  { head -c 40 "$out/ok.s2t"; printf 'X'; tail -c +42 "$out/ok.s2t"; } > "$out/flip.s2t"
  { cat "$out/ok.s2t"; printf 'junk'; } > "$out/junk.s2t"
  { head -c 8 "$out/ok.s2t"; printf '\011'; tail -c +10 "$out/ok.s2t"; } > "$out/version.s2t"
  for t in cut:truncated flip:record junk:after version:version; do
    f=${t%%:*} want=${t#*:}
    for cmd in "trace" "record --info"; do
      set +e
      $s2mm $cmd "$out/$f.s2t" > "$out/$f.out" 2> "$out/$f.err"
      rc=$?
      set -e
      [ $rc = 2 ] || fail "$cmd $f.s2t: exit $rc, not 2"
      grep -q "$want" "$out/$f.err" || fail "$cmd $f.s2t: no '$want' in: $(cat "$out/$f.err")"
    done
  done
  ;;
linux)
  "$s2mm" record --linux -o "$out/linux.s2t" > "$out/linux.console" ||
    fail "record --linux (console: $out/linux.console)"
  grep -q 'linux-guest: done' "$out/linux.console" || fail "the guest did not finish"
  "$s2mm" record --info "$out/linux.s2t" --json "$out/linux.info.json"
  jqv "$out/linux.info.json" '.system and .no_pa == 0 and .ttbr0 > 10 and .sctlr >= 1 and .tlbi > 0 and .el1 > 0 and .el1 < .accesses'
  set -- $("$pages" "$out/linux.s2t")
  acc=$2 ram=$4 io=$6 pairs=$8 conflicts=${10}
  [ "$conflicts" = 0 ] && [ "$pairs" -gt 0 ] || fail "fetch PAs disagree with data PAs: $*"
  jqv "$out/linux.info.json" ".accesses == $acc"
  "$s2mm" trace "$out/linux.s2t" --no-blocks --granule 4K --json "$out/linux.trace.json" --quiet
  # A real arm64 program of Debian's, recorded in user mode.
  deb=$(ls "$(dirname "$s2mm")/../linux/apt/debs/"busybox-static_*_arm64.deb | head -n1)
  dpkg-deb -x "$deb" "$out/bb"
  head -c 300000 "$(dirname "$s2mm")/../linux/Image" > "$out/in.bin"
  "$s2mm" record -o "$out/gz.s2t" -- "$out/bb/bin/busybox" gzip -c "$out/in.bin" > "$out/in.gz"
  gzip -dc "$out/in.gz" | cmp - "$out/in.bin" || fail "busybox gzip under the recorder"
  "$s2mm" record --info "$out/gz.s2t" --json "$out/gz.info.json"
  "$s2mm" trace "$out/gz.s2t" --json "$out/gz.trace.json" --quiet
  va_pages=$(jq .va_pages "$out/gz.info.json")
  gz_acc=$(jq .accesses "$out/gz.info.json")
  jqv "$out/gz.info.json" '.system == false and .loads > 1000000 and .stores > 100000 and .el1 == 0'
  jqv "$out/gz.trace.json" ".accesses == $gz_acc and .s1_faults == $va_pages and .livelocks == 0 and .errors == 0 and .stale_tlb_hits == 0 and .tlb_hits > 100 * .tlb_misses"
  # Debian's dynamically linked gzip, with its arm64 libc (--sysroot).
  sysroot="$(dirname "$s2mm")/../linux/sysroot"
  "$s2mm" record --sysroot "$sysroot" -o "$out/gzip.s2t" -- "$sysroot/bin/gzip" -c "$out/in.bin" > "$out/in2.gz"
  gzip -dc "$out/in2.gz" | cmp - "$out/in.bin" || fail "Debian's gzip under the recorder"
  "$s2mm" trace "$out/gzip.s2t" --json "$out/gzip.trace.json" --quiet
  jqv "$out/gzip.trace.json" '.accesses > 10000000 and .livelocks == 0 and .errors == 0 and .stale_tlb_hits == 0'
  jqv "$out/linux.trace.json" ".accesses == $acc and .mmio == $io and .s2_faults.translation == $ram + $io + .stage1_table_pages and .s2_faults.permission == 0 and .s2_faults.s1ptw == 0 and .recorded.mmu_on == 1 and .recorded.address_spaces > 2 and .recorded.no_pa == 0 and .livelocks == 0 and .errors == 0 and .stale_tlb_hits == 0 and .isolation_violations == 0 and .distinct_ipa_pages == $ram + .stage1_table_pages"
  ;;
machine)
  set -- $("$gen" "$out/m.s2t")
  ram=$2 io=$4
  set -- $("$pages" "$out/m.s2t")
  [ "$4" = "$ram" ] && [ "$6" = "$io" ] || fail "the independent reader disagrees: $*"
  "$s2mm" trace "$out/m.s2t" --no-blocks --json "$out/m.json" --quiet
  jqv "$out/m.json" ".config.cpus == 2 and .trace_lines == .accesses and .recorded.address_spaces == 4 and .recorded.s1_remaps == 2 and .recorded.mmu_on == 2 and .recorded.sctlr_writes == 2 and .recorded.tlbi_replayed == 2 and .recorded.ttbr0_writes == 28 and .mmio == $io and .s2_faults.translation == $ram + $io + .stage1_table_pages and .livelocks == 0 and .errors == 0 and .stale_tlb_hits == 0 and .isolation_violations == 0"
  ;;
forks)
  aarch64-linux-gnu-gcc -O1 -nostdlib -static -ffreestanding -fno-stack-protector \
    -o "$out/init" "$src/tests/trace/forks.c"
  rm -rf "$out/root" && mkdir -p "$out/root"
  cp "$out/init" "$out/root/init"
  (cd "$out/root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet) |
    gzip -9 -n > "$out/forks.cpio.gz"
  "$s2mm" record --linux --initrd "$out/forks.cpio.gz" -o "$out/forks.s2t" > "$out/forks.console" ||
    fail "record (console: $out/forks.console)"
  grep -q 'forks: done' "$out/forks.console" || fail "the forks init did not finish"
  set -- $("$pages" "$out/forks.s2t")
  acc=$2 ram=$4 io=$6
  "$s2mm" trace "$out/forks.s2t" --no-blocks --json "$out/forks.json" --quiet
  jqv "$out/forks.json" ".recorded.address_spaces == 5 and .accesses == $acc and .s2_faults.translation == $ram + $io + .stage1_table_pages and .livelocks == 0 and .errors == 0 and .stale_tlb_hits == 0"
  ;;
linux2)
  for i in 1 2; do
    "$s2mm" record --linux -o "$out/linux$i.s2t" > "$out/linux$i.console" || fail "record $i"
  done
  cmp "$out/linux1.s2t" "$out/linux2.s2t" || fail "two recordings of the Linux guest differ"
  ;;
*) fail "mode $mode" ;;
esac
echo "ok: $mode"

#!/bin/sh
# SPDX-License-Identifier: MIT
# ChampSim traces (the DPC-3 traces' format) through `s2mm trace`.
# Usage: champsim.sh MODE S2MM GEN_CHAMPSIM OUTDIR
#   counts  a trace with known answers, plain, gzip'd and xz'd, by name, by
#           --format and from standard input: exact accesses, records and
#           distinct pages, the same report each time and the same as its
#           accesses written as a lackey trace; concatenated streams
#   repeat  --repeat and --boot
#   bad     damaged traces: a record cut short (plain, gzip, xz), a cut xz
#           or gzip stream, data after the stream, corrupt xz data, a VA
#           beyond --va-bits: exit status 2 and the record named
#   format  --format: a bad value, the wrong format named, auto-detection
set -eu
mode=$1 s2mm=$2 gen=$3 out=$4
mkdir -p "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
jqv() { jq -e "$2" "$1" >/dev/null || fail "$1: $2 ($(jq -c . "$1" | cut -c1-600))"; }
CLEAN='.isolation_violations == 0 and .stale_tlb_hits == 0 and .livelocks == 0 and .errors == 0'
# The report without what differs from run to run or by the input's name.
same() { jq -S -c 'del(.seconds, .accesses_per_second, .workload)' "$1"; }
# Exit status 2 and MESSAGE (a grep -E pattern) from s2mm trace ARGS...
bad() {
  want=$1
  shift
  set +e
  "$s2mm" trace --quiet "$@" > "$out/bad.out" 2>&1
  rc=$?
  set -e
  [ $rc = 2 ] || fail "trace $*: exit status $rc, not 2 ($(cat "$out/bad.out"))"
  grep -Eq -- "$want" "$out/bad.out" || fail "trace $*: no '$want' in: $(cat "$out/bad.out")"
}

# 1000 records: 1000 fetches, i % 5 loads and i % 3 stores each, on 205
# distinct VA pages (the generator's counts, checked once against an
# independent decoder of the file).
line=$("$gen" "$out/t")
[ "$line" = "records 1000 fetches 1000 loads 2000 stores 999 pages 205" ] ||
  fail "the generator's trace changed: $line"
t=$out/t.champsimtrace
recs=1000 acc=3999 pages=205
gzip -c "$t" > "$t.gz"
# The report of one replay of the trace (4K stage-2 pages: one translation
# fault per IPA page, the guest's data pages and its stage-1 tables).
exact() {
  jqv "$1" ".accesses == $2 * $acc and .trace_lines == $2 * $recs and .s1_faults == $pages and .data_pages == $pages and .s2_faults.translation == .distinct_ipa_pages and .distinct_ipa_pages == $pages + .stage1_table_pages + ${3:-0} and $CLEAN"
}

case $mode in
counts)
  cp "$t.xz" "$out/t.bin"
  cp "$t" "$out/u.champsim"
  for f in t.champsimtrace t.champsimtrace.gz t.champsimtrace.xz u.champsim; do
    "$s2mm" trace --quiet --no-blocks --json "$out/$f.json" "$out/$f" || fail "trace $f"
  done
  "$s2mm" trace --quiet --no-blocks --format champsim --json "$out/bin.json" "$out/t.bin" ||
    fail "trace --format champsim t.bin"
  "$s2mm" trace --quiet --no-blocks --format champsim --json "$out/stdin.json" - < "$t.xz" ||
    fail "trace --format champsim - < t.champsimtrace.xz"
  # A pipe (short reads): plain and gzip'd.
  cat "$t" | "$s2mm" trace --quiet --no-blocks --format champsim --json "$out/pipe.json" - ||
    fail "cat t.champsimtrace | trace --format champsim -"
  cat "$t.gz" | "$s2mm" trace --quiet --no-blocks --format champsim --json "$out/pipegz.json" - ||
    fail "cat t.champsimtrace.gz | trace --format champsim -"
  # The same accesses as a lackey trace: the same report, access for access.
  "$s2mm" trace --quiet --no-blocks --json "$out/lackey.json" "$out/t.lackey" || fail "trace t.lackey"
  jqv "$out/lackey.json" ".trace_lines == $acc and .accesses == $acc"
  want=$(same "$out/lackey.json" | jq -c ".trace_lines = $recs")
  for j in t.champsimtrace t.champsimtrace.gz t.champsimtrace.xz u.champsim bin stdin pipe pipegz; do
    exact "$out/$j.json" 1
    [ "$(same "$out/$j.json")" = "$want" ] ||
      fail "$j: not the lackey trace's report: $(same "$out/$j.json") against $want"
  done
  # Streams one after another are one trace, as xz -d and gzip -d read
  # them; xz's stream padding (zero bytes, a multiple of 4) is skipped.
  { cat "$t.xz"; printf '\0\0\0\0'; cat "$t.xz"; printf '\0\0\0\0\0\0\0\0'; } > "$out/two.champsimtrace.xz"
  { cat "$t.gz"; cat "$t.gz"; } > "$out/two.champsimtrace.gz"
  for f in two.champsimtrace.xz two.champsimtrace.gz; do
    "$s2mm" trace --quiet --no-blocks --json "$out/$f.json" "$out/$f" || fail "trace $f"
    exact "$out/$f.json" 2
  done
  # A record split between two streams (xz, gzip): one trace of bytes.
  # The xz command is not in every Debian base system: with it only.
  head -c 1000 "$t" | gzip -c > "$out/split.champsimtrace.gz"
  tail -c +1001 "$t" | gzip -c >> "$out/split.champsimtrace.gz"
  split="split.champsimtrace.gz"
  if command -v xz > /dev/null; then
    head -c 1000 "$t" | xz -c > "$out/split.champsimtrace.xz"
    tail -c +1001 "$t" | xz -c >> "$out/split.champsimtrace.xz"
    split="$split split.champsimtrace.xz"
  fi
  for f in $split; do
    "$s2mm" trace --quiet --no-blocks --json "$out/$f.json" "$out/$f" || fail "trace $f"
    exact "$out/$f.json" 1
  done
  ;;
repeat)
  "$s2mm" trace --quiet --no-blocks --repeat 3 --json "$out/r3.json" "$t.xz" || fail "--repeat 3"
  exact "$out/r3.json" 3
  "$s2mm" trace --quiet --no-blocks --repeat 2 --json "$out/r2.json" "$t" || fail "--repeat 2 (plain)"
  exact "$out/r2.json" 2
  # 64 MMU-off accesses first (64 bytes apart): counted, and their one
  # page of the boot image.
  "$s2mm" trace --quiet --no-blocks --boot 64 --json "$out/boot.json" "$t.gz" || fail "--boot 64"
  jqv "$out/boot.json" ".accesses == $acc + 64 and .trace_lines == $recs and .s1_faults == $pages and .distinct_ipa_pages == $pages + .stage1_table_pages + 1"
  # ... as the same accesses in a lackey trace are.
  for o in "--repeat 3" "--boot 64"; do
    "$s2mm" trace --quiet --no-blocks $o --json "$out/lackey.json" "$out/t.lackey" || fail "lackey $o"
    "$s2mm" trace --quiet --no-blocks $o --json "$out/cs.json" "$t.xz" || fail "$o"
    n=$(jq .trace_lines "$out/cs.json")
    [ "$(same "$out/cs.json")" = "$(same "$out/lackey.json" | jq -c ".trace_lines = $n")" ] ||
      fail "$o: not the lackey trace's report"
  done
  bad "--repeat needs a file" --format champsim --repeat 2 - < "$t.xz"
  ;;
bad)
  # A record cut short: the last one, 54 of its 64 bytes there.
  "$gen" "$out/cut" 1000 10 > /dev/null
  gzip -c "$out/cut.champsimtrace" > "$out/cut.champsimtrace.gz"
  for f in cut.champsimtrace cut.champsimtrace.gz cut.champsimtrace.xz; do
    bad "$f: truncated: record 1000 is cut short after 54 bytes" "$out/$f"
  done
  # A compressed stream that ends early, anywhere (the end of the file at
  # a record boundary or not: the decoder cannot tell; the stream must end).
  # In the block header, in the data (the record being decoded named), in
  # the index and the footer (every record decoded: the end is missing).
  n=$(stat -c %s "$t.xz")
  for c in "30:before the first record" "$((n / 2)):in record [0-9]+ \([0-9]+ of its 64 bytes\)" \
           "$((n - 13)):after record 1000" "$((n - 1)):after record 1000"; do
    k=${c%%:*} at=${c#*:}
    head -c $k "$t.xz" > "$out/cut$k.champsimtrace.xz"
    bad "cut$k.champsimtrace.xz: truncated: the xz stream ends early \(unexpected end of file\), $at\$" \
      "$out/cut$k.champsimtrace.xz"
  done
  n=$(stat -c %s "$t.gz")
  head -c $((n / 2)) "$t.gz" > "$out/cut1.gz"
  head -c $((n - 4)) "$t.gz" > "$out/cut2.gz"
  bad "cut1.gz: truncated: the gzip stream ends early \(unexpected end of file\), in record [0-9]+ \(" --format champsim "$out/cut1.gz"
  bad "cut2.gz: truncated: the gzip stream ends early \(unexpected end of file\), after record 1000\$" --format champsim "$out/cut2.gz"
  # Data after the stream (junk, or junk that starts as xz's magic does).
  { cat "$t.xz"; printf 'junk'; } > "$out/junk.champsimtrace.xz"
  { cat "$t.xz"; printf '\3757zXZjunkjunkjunk'; } > "$out/junk2.champsimtrace.xz"
  { cat "$t.xz"; printf '\0\0\0'; } > "$out/pad3.champsimtrace.xz"
  { cat "$t.gz"; printf 'junk'; } > "$out/junk.champsimtrace.gz"
  bad "junk.champsimtrace.xz: data after the end of the xz stream \(after record 1000\)" "$out/junk.champsimtrace.xz"
  bad "junk2.champsimtrace.xz: data after the end of the xz stream \(after record 1000\)" "$out/junk2.champsimtrace.xz"
  bad "pad3.champsimtrace.xz: corrupt xz data after record 1000: stream padding of 3 bytes" "$out/pad3.champsimtrace.xz"
  bad "junk.champsimtrace.gz: data after the end of the gzip stream \(after record 1000\)" "$out/junk.champsimtrace.gz"
  # A changed byte in the compressed data (the CRC64 or the decoder).
  n=$(stat -c %s "$t.xz")
  { head -c $((n / 2)) "$t.xz"; printf 'X'; tail -c +$((n / 2 + 2)) "$t.xz"; } > "$out/flip.champsimtrace.xz"
  bad "flip.champsimtrace.xz: corrupt xz data in record [0-9]+ \([0-9]+ of its 64 bytes\): compressed data is corrupt" "$out/flip.champsimtrace.xz"
  # Record 3's first load is on the stack, above a 40-bit VA space.
  bad "t.champsimtrace.xz: record 3: VA 0x7ffd4a3beff0 beyond the guest's 40-bit VA size" \
    --va-bits 40 "$t.xz"
  ;;
format)
  bad "--format 'foo': expected lackey, champsim or s2mm" --format foo "$t"
  # Not named as a ChampSim trace: lackey's format, unless named.
  cp "$t.xz" "$out/t.bin"
  bad "t.bin:1: not a lackey line" "$out/t.bin"
  bad "t.champsimtrace.xz:1: not a lackey line" --format lackey "$t.xz"
  bad "not an s2mm trace" --format s2mm "$t.xz"
  bad "an s2mm recording is read from a file" --format s2mm - < "$t.xz"
  # A lackey trace read as a ChampSim trace is damage, not a replay.
  "$gen" "$out/l" 3 > /dev/null
  bad "l.lackey: (truncated: record [0-9]+ is cut short|record [0-9]+: VA)" --format champsim "$out/l.lackey"
  ;;
*) fail "mode $mode" ;;
esac
echo "ok: $mode"

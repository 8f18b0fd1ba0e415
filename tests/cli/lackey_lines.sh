#!/usr/bin/env bash
# The lackey line parser as `s2mm trace` uses it: each error with its exact
# message and line, and the cases where a line meets the end of what was
# read: a last line without a newline, CRLF, a line cut across the reads
# of a pipe or of a file, and very long lines.
# Usage: lackey_lines.sh S2MM WORKDIR
set -uo pipefail
s2mm=$(realpath "$1") dir=$2
mkdir -p "$dir"
in=$dir/in.lackey
failed=0

fail() {
	echo "lackey_lines: $*" >&2
	failed=1
}

# ok NAME ACCESSES LINES [ARGS...]: $in replays as ACCESSES accesses from
# LINES access lines (exit 0).
ok() {
	local name=$1 acc=$2 lines=$3 got
	shift 3
	rm -f "$dir/out.json"
	if ! "$s2mm" trace --quiet --json "$dir/out.json" "$@" "$in" 2>"$dir/err"; then
		fail "$name: refused: $(cat "$dir/err")"
		return
	fi
	got=$(jq -r '"\(.accesses) \(.trace_lines)"' "$dir/out.json")
	[ "$got" = "$acc $lines" ] || fail "$name: accesses, lines $got, expected $acc $lines"
}

# bad NAME MESSAGE [ARGS...]: $in is refused with exit status 2 and stderr
# exactly "s2mm trace: in.lackey:MESSAGE".
bad() {
	local name=$1 want="s2mm trace: in.lackey:$2" rc got
	shift 2
	(cd "$dir" && "$s2mm" trace --quiet "$@" in.lackey) >/dev/null 2>"$dir/err"
	rc=$?
	got=$(cat "$dir/err")
	[ "$rc" = 2 ] || fail "$name: exit status $rc, expected 2"
	[ "$got" = "$want" ] || fail "$name: said '$got', expected '$want'"
}

# line FORMAT: $in holds printf FORMAT.
line() {
	printf -- "$1" >"$in"
}

# Every error, named with its line.
line ' L 1000,8\n X 1000,8\n';   bad kind "2: not a lackey line (I, L, S or M): ' X 1000,8'"
line ' l 1000,8\n';              bad lower_kind "1: not a lackey line (I, L, S or M): ' l 1000,8'"
line '  L 1000,8\n';             bad two_spaces "1: not a lackey line (I, L, S or M): '  L 1000,8'"
line '#\n=\n';                   bad lone_equals "2: not a lackey line (I, L, S or M): '='"
line ' L\t1000,8\n';             bad tab "1: expected a space after the access kind: ' L\\x091000,8'"
line ' L\n';                     bad kind_alone "1: expected a space after the access kind: ' L'"
line ' L ,8\n';                  bad no_address "1: expected a hexadecimal address: ' L ,8'"
line ' L \n';                    bad nothing_after "1: expected a hexadecimal address: ' L '"
line ' L 12345678123456789,8\n'; bad address_17_digits "1: address too long: ' L 12345678123456789,8'"
line ' L 1000;8\n';              bad semicolon "1: expected ',' after the address: ' L 1000;8'"
line ' L 0x1000,8\n';            bad 0x "1: expected ',' after the address: ' L 0x1000,8'"
line ' L 12345678\n';            bad no_size_8 "1: expected ',' after the address: ' L 12345678'"
line ' L 123456789\n';           bad no_size_9 "1: expected ',' after the address: ' L 123456789'"
line ' L 1234567g,8\n';          bad g_in_8 "1: expected ',' after the address: ' L 1234567g,8'"
line ' L 123456789g,8\n';        bad g_after_8 "1: expected ',' after the address: ' L 123456789g,8'"
line ' L 10\0000,8\n';           bad nul_in_address "1: expected ',' after the address: ' L 10\\x000,8'"
line ' L 1000,\n';               bad no_size "1: expected a decimal size: ' L 1000,'"
line ' L 1000,\r\n';             bad no_size_crlf "1: expected a decimal size: ' L 1000,\\x0d'"
line ' L 1000,x\n';              bad size_x "1: expected a decimal size: ' L 1000,x'"
line ' L 1000,0\n';              bad size_0 "1: bad size or trailing characters: ' L 1000,0'"
line ' L 1000,4097\n';           bad size_4097 "1: bad size or trailing characters: ' L 1000,4097'"
line ' L 1000,99999999999999999999\n'
bad size_huge "1: bad size or trailing characters: ' L 1000,99999999999999999999'"
line ' L 1000,8 \n';             bad trailing_space "1: bad size or trailing characters: ' L 1000,8 '"
line ' L 1000,8x\n';             bad trailing_x "1: bad size or trailing characters: ' L 1000,8x'"
line ' L 1000,8\r\r\n';          bad two_cr "1: bad size or trailing characters: ' L 1000,8\\x0d\\x0d'"
line ' L 1000,8\r \n';           bad cr_space "1: bad size or trailing characters: ' L 1000,8\\x0d '"
line ' L 1000,8\0\n';            bad nul_after_size "1: bad size or trailing characters: ' L 1000,8\\x00'"
# Escaped in the message: DEL and the backslash; '~' is printable.
line ' L 1000~8\177\\\n';        bad shown_escaped "1: expected ',' after the address: ' L 1000~8\\x7f\\x5c'"
line ' L 1000,8\0';              bad nul_last "1: bad size or trailing characters: ' L 1000,8\\x00'"
line ' L 1234567812345678,1\n';  bad beyond_va "1: address beyond the guest's VA size (--va-bits): ' L 1234567812345678,1'"
line ' L fffffffffff8,9\n';      bad beyond_va_by_1 "1: address beyond the guest's VA size (--va-bits): ' L fffffffffff8,9'"
line ' L ffffffffffffffff,2\n';  bad wraps "1: address beyond the guest's VA size (--va-bits): ' L ffffffffffffffff,2'"
line ' L 100000000,1\n';         bad beyond_va_32 "1: address beyond the guest's VA size (--va-bits): ' L 100000000,1'" --va-bits 32

# Accepted: the address's every length and case, sizes, kinds, spacing.
line 'I  1000,4\n';              ok fetch 1 1
line 'I 1000,4\n';               ok fetch_one_space 1 1
line 'L 1000,8\n';               ok no_leading_space 1 1
line ' M 1000,4\n';              ok modify 2 1
line ' L 1,1\n L 12,1\n L 1234567,1\n L 12345678,1\n L 123456789,1\n L 1234567890,1\n'
ok address_lengths 6 6
line ' L ABCDEFab,8\n L abcdef12,8\n L 0000000000001000,8\n'
ok address_case_16_digits 3 3
line ' L fffffffffff8,8\n';      ok top_of_va 1 1
line ' L ffffffff,1\n';          ok top_of_va_32 1 1 --va-bits 32
line ' L 1000,4096\n L 1000,08\n L 1000,0000008\n L 1000,16\n'
ok sizes 4 4
line ' S 1ffc,8\n';              ok across_pages 2 1
line ' M 1ffc,8\n';              ok modify_across_pages 4 1

# Skipped lines, and the end of the input.
line '';                         ok empty_file 0 0
line '\n\n';                     ok empty_lines 0 0
line '==1== x\n--1-- y\n# c\n\n L 1000,8\n'
ok skipped 1 1
line ' L 1000,8\n L 2000,8';     ok last_without_newline 2 2
line ' L 1000,16';               ok last_two_digits_without_newline 1 1
line ' L 1000,8\r';              ok last_cr_without_newline 1 1
line '==1== x';                  ok last_message_without_newline 0 0
line ' L 1000,8\n L 12345678';   bad last_cut_address "2: expected ',' after the address: ' L 12345678'"
line ' L 1000,8\n L 2000,';      bad last_cut_size "2: expected a decimal size: ' L 2000,'"
line ' L 1000,8\n L';            bad last_cut_kind "2: expected a space after the access kind: ' L'"

# CRLF: every skipped line and an access with one- and two-digit sizes.
line '==1== x\r\n\r\n\n# c\r\n--1-- y\r\n L 1000,8\r\n M 2000,4\r\n S 3000,16\r\n'
ok crlf 4 3
line '==1== x\n\r L 1000,8\n';   bad cr_then_line "2: not a lackey line (I, L, S or M): '\\x0d L 1000,8'"

# Lines cut across the reads of a pipe: the parser must wait for the rest.
for cut in 1 2 3 5 9 11 12 13; do
	full=' L 12345678,8\n M 1ffc,8\n'
	rm -f "$dir/out.json"
	{ printf -- "${full:0:cut}"; sleep 0.2; printf -- "${full:cut}"; } |
		"$s2mm" trace --quiet --json "$dir/out.json" - 2>"$dir/err" ||
		fail "pipe_cut_$cut: refused: $(cat "$dir/err")"
	[ "$(jq -r '"\(.accesses) \(.trace_lines)"' "$dir/out.json" 2>/dev/null)" = "5 2" ] ||
		fail "pipe_cut_$cut: wrong counts"
done
err=$({ printf ' L 1000,8\n L 12'; sleep 0.2; printf '3x5,8\n'; } | "$s2mm" trace --quiet - 2>&1)
[ "$err" = "s2mm trace: standard input:2: expected ',' after the address: ' L 123x5,8'" ] ||
	fail "pipe_cut_bad: said '$err'"

# Across the reads of a file (a power of two at a time): lines of every
# length from 11 to 22 bytes, so that one straddles each read's end, each
# at a different place in it.
awk 'BEGIN { for (i = 0; i < 250000; i++) printf " L %0*x,1\n", 5 + i % 12, 4096 * (i % 64) + i % 4000 }' >"$in"
ok across_buffers 250000 250000
# The same with an error in the line that straddles the 1 MiB mark.
awk 'BEGIN { for (i = 0; n < 1048576 + 100; i++) { s = sprintf(" L %0*x,1\n", 5 + i % 12, i % 4000); if (n < 1048576 && n + length(s) > 1048576) { sub(/,/, ";", s); bad = i + 1 } printf "%s", s; n += length(s) } print bad > "/dev/stderr" }' >"$in" 2>"$dir/badline"
bad across_buffers_bad "$(cat "$dir/badline"): expected ',' after the address: '$(sed -n "$(cat "$dir/badline")p" "$in")'"

# Very long lines: a comment under the buffer's size is skipped; a bad
# line is shown cut to 60 characters; a line of the buffer's size or more
# is refused as too long.
{ printf '# '; head -c 1000000 /dev/zero | tr '\0' c; printf '\n L 1000,8\n'; } >"$in"
ok long_comment 1 1
{ printf ' L 1000,8\n L '; head -c 500000 /dev/zero | tr '\0' 0; printf '1,8\n'; } >"$in"
bad long_address "2: address too long: ' L $(printf '0%.0s' {1..57})'"
{ printf ' L 1000,8\n# '; head -c 1048576 /dev/zero | tr '\0' c; printf '\n'; } >"$in"
bad too_long "2: line too long"

[ "$failed" = 0 ] && echo "lackey_lines: all cases as expected"
exit "$failed"

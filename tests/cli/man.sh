#!/bin/sh
# SPDX-License-Identifier: MIT
# The manual page formats without a warning, names the version the command
# prints, and describes every command `s2mm --help` lists.
# usage: man.sh PAGE S2MM
page=$1 s2mm=$2
if ! command -v groff >/dev/null; then
	echo "SKIP: groff not installed (groff-base)"
	[ "${CI:-}" = true ] && { echo "CI=true: skips fail here" >&2; exit 1; }
	exit 77
fi
err=$(groff -ww -z -man "$page" 2>&1)
if [ -n "$err" ]; then
	printf 'man: groff warns:\n%s\n' "$err" >&2
	exit 1
fi
if command -v man >/dev/null; then
	err=$(LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -n "$err" ]; then
		printf 'man: man --warnings:\n%s\n' "$err" >&2
		exit 1
	fi
fi
version=$("$s2mm" --version | sed -n 's/^s2mm //p')
grep -q "^\.TH S2MM 1 .*\"s2mm $version\"" "$page" || {
	echo "man: .TH does not name s2mm $version" >&2
	exit 1
}
for c in $("$s2mm" --help | sed -n 's/^  \([a-z][a-z0-9]*\) .*/\1/p'); do
	grep -Eq "^(\\.B $c\$|\\\\fB$c\\\\fR)" "$page" || {
		echo "man: command $c is not described" >&2
		exit 1
	}
done
echo "man: ok"

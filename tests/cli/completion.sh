#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The bash completion completes commands, hyp's subcommands and each
# command's options, as bash would call it.
# usage: completion.sh COMPLETION S2MM
set -u
# shellcheck source=/dev/null
source "$1"
s2mm=$2
fails=0
expect() {
	local want=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_s2mm "$s2mm" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	local got="${COMPREPLY[*]}"
	if [ "$got" != "$want" ]; then
		echo "completion: [$*] gave '$got', expected '$want'" >&2
		fails=1
	fi
}
expect "run record" s2mm r
expect "--version" s2mm --vers
expect "demo" s2mm de
expect "--vm-mem --vmid-bits --vms" s2mm run --vm
expect "--state" s2mm explain --sta
expect "boot" s2mm hyp bo
expect "--guests" s2mm hyp run --gue
expect "" s2mm trace nosuchfile
[ "$(complete -p s2mm)" = "complete -o default -F _s2mm s2mm" ] || {
	echo "completion: not registered for s2mm" >&2
	fails=1
}
[ $fails = 0 ] && echo "completion: ok"
exit $fails

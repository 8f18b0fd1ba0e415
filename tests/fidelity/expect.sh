#!/usr/bin/env bash
# Run a fidelity command and check its exit status and that every pattern
# (extended regex) is found in its output, each on a line of its own.
# Usage: expect.sh RC PATTERN... -- CMD [ARGS...]
set -uo pipefail
rc_want=$1
shift
pats=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do pats+=("$1"); shift; done
[ "${1:-}" = "--" ] || { echo "expect: no -- before the command" >&2; exit 2; }
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
rc=$?
cat "$out"
status=0
[ "$rc" = "$rc_want" ] || { echo "expect: exit status $rc, expected $rc_want" >&2; status=1; }
for p in "${pats[@]}"; do
  grep -Eq -- "$p" "$out" || { echo "expect: no line matches /$p/" >&2; status=1; }
done
[ $status = 0 ] && echo "expect: ok"
exit $status

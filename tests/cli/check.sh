#!/usr/bin/env bash
# Run a command and check its outcome (used by ctest for the s2mm command).
# Usage: check.sh RC JSON JQ_EXPR STDERR_REGEX -- CMD [ARGS...]
#   RC            expected exit status
#   JSON          a JSON file CMD writes ("-" for none); JQ_EXPR must be true on it
#   STDERR_REGEX  extended regex stderr+stdout must match ("" for none)
set -uo pipefail
rc_want=$1 json=$2 expr=$3 re=$4
shift 4
[ "$1" = "--" ] && shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
[ "$json" != "-" ] && rm -f "$json"
"$@" >"$out" 2>&1
rc=$?
cat "$out"
if [ "$rc" != "$rc_want" ]; then
  echo "check: exit status $rc, expected $rc_want" >&2
  exit 1
fi
if [ -n "$re" ] && ! grep -Eq -- "$re" "$out"; then
  echo "check: output does not match /$re/" >&2
  exit 1
fi
if [ "$json" != "-" ]; then
  if ! jq -e "$expr" "$json" >/dev/null; then
    echo "check: $json fails: $expr" >&2
    jq -c . "$json" >&2
    exit 1
  fi
fi
echo "check: ok"

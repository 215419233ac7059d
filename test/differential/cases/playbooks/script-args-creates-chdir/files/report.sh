#!/bin/sh
# prints its arguments, its directory and its name's tail
echo "args: $# [$*]"
echo "pwd: $(pwd)"
echo "first: $1"
[ -n "$FAIL" ] && { echo "failing" >&2; exit 3; }
echo done > "$2/ran"

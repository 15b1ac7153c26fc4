#!/bin/bash
# test_file_length.sh — self-test of tests/check-file-length.sh on generated trees: 800
# lines pass, 801 fail and are named, .c and .h count, other files do not.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
check="$top_srcdir/tests/check-file-length.sh"
tmp=$(mktemp -d /tmp/netlab-test-length.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
        echo "FAIL: $*"
        failed=1
}

mkdir -p "$tmp/src/daemon"
seq 800 >"$tmp/src/daemon/ok.c"
seq 800 >"$tmp/src/daemon/ok.h"
seq 5000 >"$tmp/src/daemon/notes.txt"
out=$(bash "$check" "$tmp") || fail "800 lines refused: $out"

seq 801 >"$tmp/src/daemon/long.h"
rc=0
out=$(bash "$check" "$tmp") || rc=$?
[ "$rc" -eq 1 ] || fail "801 lines: exit $rc, want 1: $out"
[ "$out" = "FAIL: src/daemon/long.h has 801 lines (limit 800): split it, or add an exception with the reason" ] ||
        fail "unexpected report: $out"

rc=0
out=$(bash "$check" "$tmp/nonexistent" 2>&1) || rc=$?
[ "$rc" -eq 99 ] || fail "no src/: exit $rc, want 99: $out"

[ "$failed" -eq 0 ] && echo "PASS: file-length checker self-test"
exit "$failed"

#!/bin/bash
# test_include_cycles.sh — self-test of tests/check-include-cycles.py on the fixture
# trees in tests/data/include-cycles/: the cyclic tree must fail listing exactly its two
# cycles (one only through .c files, one through headers across three modules); the
# acyclic tree must pass, including the case where resolving "util.h" against the -I
# list before the including file's own directory would invent a cycle.
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
check="$top_srcdir/tests/check-include-cycles.py"
data=$(cd "$top_srcdir/tests/data/include-cycles" && pwd)
failed=0

fail() {
        echo "FAIL: $*"
        failed=1
}

expect() {      # expect STATUS WANTED-OUTPUT ARGS...
        local want_rc=$1 want=$2 out rc=0
        shift 2
        out=$(python3 "$check" "$@" 2>&1) || rc=$?
        [ "$rc" -eq "$want_rc" ] || fail "$*: exit $rc, want $want_rc"
        [ "$out" = "$want" ] || fail "$*: output differs:"$'\n'"$out"$'\n'"--- want:"$'\n'"$want"
}

expect 1 "FAIL: 2 include cycle(s) between the modules of src/:
  a -> b -> a
  x -> y -> z -> x" --root "$data/cyclic" -I src/app --quiet

# The verbose report names the #include line behind each edge.
out=$(python3 "$check" --root "$data/cyclic" -I src/app) && fail "cyclic tree passed"
grep -qx '      z -> x: src/app/z.h:2' <<<"$out" || fail "no file:line for z -> x in:"$'\n'"$out"
grep -qx '      y -> z: src/app/y.c:2' <<<"$out" || fail "indented '#  include' not seen in:"$'\n'"$out"

# -I comes from the fixture's Makefile.am here.
expect 0 "OK: 6 modules, 8 include edges, no cycle (search path: src/app src/lib)" \
        --root "$data/acyclic"
expect 0 "" --root "$data/acyclic" --quiet

# A broken invocation is an ERROR (99), never a pass or an expected failure.
expect 99 "check-include-cycles: search directory 'src/nope' does not exist below '$data/acyclic'" \
        --root "$data/acyclic" -I src/nope
expect 99 "check-include-cycles: cannot read '$data/cyclic/Makefile.am': No such file or directory; pass -I" \
        --root "$data/cyclic"

[ "$failed" -eq 0 ] && echo "PASS: include-cycle checker self-test"
exit "$failed"

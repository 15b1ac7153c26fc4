#!/bin/bash
# test_check_format.sh — self-test of tests/check-format.py in a throw-away git repository
# that uses the tree's .clang-format: an untouched badly formatted line passes, a changed
# one fails (and is shown), hand-aligned trailing comments pass, an untracked file is
# checked whole, a listed file is checked whole, and a directory that is not the top of
# a checkout is skipped (77).
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
check="$top_srcdir/tests/check-format.py"
command -v git >/dev/null || { echo "SKIP: git is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/netlab-test-format.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
        echo "FAIL: $*"
        failed=1
}

run() {         # run WANTED-STATUS [ARGS...]: check-format.py on $tmp/repo
        local want=$1 rc=0
        shift
        out=$(cd "$tmp/repo" && top_srcdir="$tmp/repo" NETLAB_FORMAT_BASE=base python3 "$check" "$@" 2>&1) ||
                rc=$?
        [ "$rc" -eq "$want" ] || fail "exit $rc, want $want, output:"$'\n'"$out"
}

mkdir -p "$tmp/repo/src"
cd "$tmp/repo"
git init -q -b main .
git config user.email test@example.org
git config user.name test
cp "$top_srcdir/.clang-format" .
cat >src/a.c <<'EOF'
int f(int x){ return x; }

int g(int x) {
        return x + 1;
}
EOF
git add -A && git commit -q -m base && git tag base

# Only the changed lines count: f() is misformatted but untouched.
run 0

# A changed line that clang-format would change fails, and the report shows it.
sed -i 's/return x + 1;/return x+1;/' src/a.c
run 1
grep -qxF -- '+        return x + 1;' <<<"$out" || fail "fix not shown in:"$'\n'"$out"
grep -q 'int f' <<<"$out" && fail "untouched line reported:"$'\n'"$out"

# Hand-aligned trailing comments are the author's choice.
sed -i 's/return x+1;/return x + 1;               \/* aligned by hand *\//' src/a.c
run 0

# A committed change still counts (the base is the merge base, not HEAD).
sed -i 's/return x + 1; .*/return x +1;/' src/a.c
git commit -q -am 'bad'
run 1
git reset -q --hard base

# An untracked C file is checked whole; listing a file checks it whole too.
printf 'int h(void) {\n  return 0;\n}\n' >src/new.c
run 1
rm src/new.c
run 1 src/a.c
run 0

# Not the top of a checkout (the release tarball, or distcheck's tree inside a
# checkout): skipped, whatever the parent repository contains.
mkdir -p sub/src
cp src/a.c sub/src/
out=$(top_srcdir="$tmp/repo/sub" NETLAB_FORMAT_BASE=base python3 "$check" 2>&1) && rc=0 || rc=$?
[ "$rc" -eq 77 ] || fail "subdirectory: exit $rc, want 77: $out"

[ "$failed" -eq 0 ] && echo "PASS: format checker self-test"
exit "$failed"

#!/bin/sh
# tests/test_man_flags.sh — every option a program lists in its --help output must
# appear in its man page (netlabd -> netlabd(8), netlab-ping -> netlab-ping(1)), and
# every man page must render without a groff warning (what 'man -l' would show).
set -eu

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"

if ! command -v groff >/dev/null; then
        echo "SKIP: groff not installed (apt-get install groff)"
        exit 77
fi

fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for page in netlabd.8 netlab.conf.5 netlab-ping.1; do
        if ! groff -ww -z -man "$top_srcdir/man/$page" >"$tmp/warn" 2>&1 || [ -s "$tmp/warn" ]; then
                cat "$tmp/warn"
                echo "FAIL: man/$page: groff warnings"
                fail=1
        fi
done

# check_flags PROGRAM PAGE: options are the -x and --long tokens at the start of the
# help lines that begin with blanks and a dash ("  -c, --config=FILE  read ...").
check_flags() {
        prog=$top_builddir/$1
        page=$top_srcdir/man/$2
        if [ ! -x "$prog" ]; then
                echo "note: $1 not built, its flags are not checked"
                return 0
        fi
        "$prog" --help >"$tmp/help" 2>&1 || true
        flags=$(sed -n 's/^[[:space:]]\{1,\}\(-.*\)$/\1/p' "$tmp/help" |
                sed 's/[[:space:]]\{2,\}.*//' |
                grep -oE '(^|[ ,|/])--?[A-Za-z0-9][A-Za-z0-9-]*' |
                sed 's/^[ ,|/]//' | sort -u)
        if [ -z "$flags" ]; then
                cat "$tmp/help"
                echo "FAIL: no options found in '$1 --help'"
                fail=1
                return 0
        fi
        # Rendered text, without overstriking: "\-c" in the source is "-c" here.
        groff -man -Tascii -P-cbou "$page" 2>/dev/null >"$tmp/page"
        n=0
        for f in $flags; do
                n=$((n + 1))
                if ! grep -qE -- "(^|[^A-Za-z0-9-])$f([^A-Za-z0-9-]|\$)" "$tmp/page"; then
                        echo "FAIL: $1 accepts $f but $2 does not document it"
                        fail=1
                fi
        done
        echo "checked $n options of $1 against $2"
}

check_flags netlabd netlabd.8
check_flags netlab-ping netlab-ping.1

[ $fail = 0 ] && echo "PASS"
exit $fail

#!/bin/sh
# i18n-po.sh — the translations (issue 19), no daemon needed: every language in
# po/LINGUAS passes 'msgfmt --check' (format strings match the msgids, header complete),
# has no untranslated or fuzzy message, and covers every message the sources mark today
# (a fresh xgettext run with po/Makevars' keywords, compared with msgcmp). A new _()
# string without a translation fails here, not in a student's terminal.
set -eu
: "${top_srcdir:?run through make check}"
for t in msgfmt msgcmp xgettext; do
        command -v "$t" >/dev/null || { echo "SKIP: $t not installed (apt-get install gettext)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/netlab-po.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
po=$top_srcdir/po
fail=0

# The keywords po/Makevars gives xgettext, read from there so the two cannot drift.
opts=$(sed -n '/^XGETTEXT_OPTIONS *=/,/[^\\]$/p' "$po/Makevars" | sed 's/^XGETTEXT_OPTIONS *=//; s/\\$//' | tr '\n' ' ')
files=$(grep -v '^#' "$po/POTFILES.in" | grep -v '^ *$' | sed "s|^|$top_srcdir/|")
# shellcheck disable=SC2086
(cd "$top_srcdir" && xgettext $opts -o "$tmp/netlab.pot" $(grep -v '^#' po/POTFILES.in | grep -v '^ *$')) ||
        { echo "FAIL: xgettext"; exit 1; }
[ -n "$files" ]

for lang in $(grep -v '^#' "$po/LINGUAS"); do
        f=$po/$lang.po
        [ -f "$f" ] || { echo "FAIL: po/LINGUAS names $lang but po/$lang.po is missing"; fail=1; continue; }
        if ! stats=$(LC_ALL=C msgfmt --check --statistics -o "$tmp/$lang.mo" "$f" 2>&1); then
                echo "FAIL: msgfmt --check po/$lang.po: $stats"
                fail=1
                continue
        fi
        case $stats in
        *untranslated*|*fuzzy*) echo "FAIL: po/$lang.po is incomplete: $stats"; fail=1 ;;
        *) echo "ok: po/$lang.po: $stats" ;;
        esac
        if ! LC_ALL=C msgcmp "$f" "$tmp/netlab.pot" >"$tmp/msgcmp.log" 2>&1; then
                echo "FAIL: po/$lang.po lacks messages the sources use (run 'make update-po' in the build tree, translate):"
                cat "$tmp/msgcmp.log"
                fail=1
        else
                echo "ok: po/$lang.po covers every marked message"
        fi
done
exit $fail

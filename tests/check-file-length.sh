#!/bin/bash
# check-file-length.sh — no file in src/ longer than $limit lines (STYLE.md: "No
# module over ~800 lines"), except the ones listed below with the reason, which the
# README's layout section repeats. An exception that no longer needs to be one (file
# shrank or is gone) also fails, so the list cannot go stale.
# Usage: check-file-length.sh [ROOT]   (default: top_srcdir, or this script's ../)
set -euo pipefail

root=${1:-${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}}
limit=800

# path relative to ROOT, then why it may be longer. Keep sorted.
exceptions=(
        "src/daemon/conf.c the schema table (one row per key, ~60 keys) and the one walk of libconfig's tree that reads it; echo.profiles, errors, the text scan and the reload diff are already their own files"
)

declare -A excepted=()
for e in "${exceptions[@]}"; do
        excepted[${e%% *}]=1
done

[ -d "$root/src" ] || { echo "check-file-length: '$root/src' is not a directory" >&2; exit 99; }

failed=0
checked=0
while IFS= read -r -d '' f; do
        rel=${f#"$root"/}
        lines=$(wc -l <"$f")
        checked=$((checked + 1))
        if [ -n "${excepted[$rel]:-}" ]; then
                if [ "$lines" -le "$limit" ]; then
                        echo "FAIL: $rel has $lines lines, no longer needs its exception: drop it from $0"
                        failed=1
                fi
                unset "excepted[$rel]"
        elif [ "$lines" -gt "$limit" ]; then
                echo "FAIL: $rel has $lines lines (limit $limit): split it, or add an exception with the reason"
                failed=1
        fi
done < <(find "$root/src" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

for rel in "${!excepted[@]}"; do
        echo "FAIL: exception for $rel, which does not exist"
        failed=1
done

[ "$failed" -eq 0 ] && echo "OK: $checked files in src/, none over $limit lines (${#exceptions[@]} exceptions)"
exit "$failed"

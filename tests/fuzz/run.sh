#!/bin/sh
# tests/fuzz/run.sh — `make fuzz`: builds the project's sources and every libFuzzer target
# with clang (-fsanitize=fuzzer,address,undefined) into $top_builddir/tests/fuzz/, then
# runs the targets one after the other, each for FUZZ_SECONDS (default 60) or FUZZ_RUNS
# executions, starting from its seed corpus tests/fuzz/<target>/. New interesting inputs
# go to tests/fuzz/new-corpus/<target>/ in the build tree, crashes to
# tests/fuzz/artifacts/; the last lines of each log are libFuzzer's final stats.
#
#   FUZZ_TARGETS="probe mime"   only these targets      FUZZ_CC=clang-14   another clang
#   FUZZ_RUNS=10000000          stop after N executions  FUZZ_JOBS=2        parallel compiles
#   FUZZ_FLAGS="-jobs=1 ..."    more libFuzzer flags     FUZZ_BUILD_ONLY=1  build, do not run
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
cc=${FUZZ_CC:-clang}
out=$top_builddir/tests/fuzz
all="http_parse http_chunked http_range http_date http_path http_path_fallback probe ping_http conf mime stamp"
targets=${FUZZ_TARGETS:-$all}

command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
        -include $top_builddir/config.h -I$top_srcdir/src/shared -I$top_srcdir/src/daemon
        -I$top_srcdir/src/ping ${LIBSYSTEMD_CFLAGS:-} ${LIBCONFIG_CFLAGS:-}
        -DSYSCONFDIR=\"${sysconfdir:-/etc}\" -DWWWDIR=\"${wwwdir:-/usr/share/netlab/www}\"
        -DLOCALEDIR=\"${localedir:-/usr/share/locale}\""
libs="${LIBSYSTEMD_LIBS:-} ${LIBCONFIG_LIBS:-} -lm"

# The code under test, instrumented for coverage, as one archive: each target links
# only the objects it needs. Rebuilt when any source or header is newer than it.
mkdir -p "$out/obj" "$out/artifacts"
lib=$out/libfuzz.a
srcs=$(ls "$top_srcdir"/src/shared/*.c "$top_srcdir"/src/daemon/*.c "$top_srcdir"/src/ping/*.c |
       grep -v -e '/netlabd\.c$' -e '/netlab-ping\.c$')
if [ ! -f "$lib" ] || [ -n "$(find "$top_srcdir/src" -newer "$lib" -name '*.[ch]' | head -n 1)" ]; then
        echo "  CC (fuzz)  src/*"
        rm -f "$out"/obj/*.o "$lib"
        # shellcheck disable=SC2086
        printf '%s\n' $srcs | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c \
                'o="$1/obj/$(basename "$(dirname "$2")")_$(basename "$2" .c).o"; exec "$3" $4 -fsanitize=fuzzer-no-link -c "$2" -o "$o"' \
                sh "$out" {} "$cc" "$cflags"
        ar rcs "$lib" "$out"/obj/*.o
fi

for t in $targets; do
        src=$top_srcdir/tests/fuzz/fuzz_$t.c
        defs=
        if [ "$t" = http_path_fallback ]; then
                src=$top_srcdir/tests/fuzz/fuzz_http_path.c
                defs=-DFUZZ_PATH_NO_OPENAT2=1
        fi
        [ -f "$src" ] || { echo "run.sh: no target '$t'" >&2; exit 1; }
        if [ ! -x "$out/fuzz_$t" ] || [ "$src" -nt "$out/fuzz_$t" ] || [ "$lib" -nt "$out/fuzz_$t" ]; then
                echo "  CCLD (fuzz) fuzz_$t"
                # shellcheck disable=SC2086
                "$cc" $cflags $defs -fsanitize=fuzzer "$src" "$lib" $libs -o "$out/fuzz_$t"
        fi
done

[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# libconfig 1.5's own leak on a syntax error inside a string (tests/lsan.supp) is not ours.
LSAN_OPTIONS=suppressions=$top_srcdir/tests/lsan.supp:print_suppressions=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS UBSAN_OPTIONS

status=0
for t in $targets; do
        corpus=$top_srcdir/tests/fuzz/${t%_fallback}
        new=$out/new-corpus/$t
        mkdir -p "$new"
        set -- -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 -max_len="${FUZZ_MAX_LEN:-4096}" \
                -artifact_prefix="$out/artifacts/$t-"
        [ -n "${FUZZ_RUNS:-}" ] && set -- "$@" -runs="$FUZZ_RUNS"
        [ -f "$corpus.dict" ] && set -- "$@" -dict="$corpus.dict"
        # libconfig 1.5 leaks on most syntax errors, so LSan would run after nearly every
        # input (450 instead of 6000 exec/s); the sanitizer build's replay of the corpus
        # still checks conf.c for leaks. FUZZ_FLAGS="-detect_leaks=1" turns it back on.
        [ "$t" = conf ] && set -- "$@" -detect_leaks=0
        # shellcheck disable=SC2086
        set -- "$@" ${FUZZ_FLAGS:-}
        echo "== fuzz_$t (log: $out/$t.log)"
        # libFuzzer may end without running atexit(): the fixture goes in a directory we
        # remove, one per target, so two runs of this script can go side by side.
        rm -rf "$out/tmp-$t" && mkdir -p "$out/tmp-$t"
        if TMPDIR=$out/tmp-$t "$out/fuzz_$t" "$@" "$new" "$corpus" >"$out/$t.log" 2>&1; then
                grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ *DONE)' "$out/$t.log" || true
        else
                echo "fuzz_$t FAILED:" >&2
                tail -n 40 "$out/$t.log" >&2
                status=1
        fi
        rm -rf "$out/tmp-$t"
done
exit $status

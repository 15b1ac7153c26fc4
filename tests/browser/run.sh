#!/bin/sh
# run.sh — the pages in a real browser: starts netlabd on loopback serving the
# repository's www/, then tests/browser/check_pages.py drives headless Chromium (DevTools
# protocol over a pipe) through index.html, helloWorld.html, status.html and the 404
# page: no console errors, the status page's numbers follow the echo traffic we send,
# and it reports the API as unreachable once netlabd is stopped. Screenshots are kept in
# $top_builddir/tests/browser/screenshots/.
#
# Run alone with `make check-browser`; `make check` runs it too. Exit 77 (skip) when
# Chromium is not installed (apt-get install chromium).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "SKIP: chromium is not installed (apt-get install chromium)"; exit 77; }

PORT=$(nl_free_port)
OUT="$top_builddir/tests/browser/screenshots"
rm -rf "$OUT"
mkdir -p "$OUT"

cat >"$NL_TMP/netlab.conf" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = 0.0; seed = 1; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$top_srcdir/www"; access_log = false; };
CONF
nl_start "$NL_TMP/netlab.conf"

set +e
python3 "$top_srcdir/tests/browser/check_pages.py" --chromium "$CHROMIUM" \
        --base "http://127.0.0.1:$PORT" --echo "127.0.0.1:$PORT" --out "$OUT" \
        --daemon-pid "$NL_PID"
rc=$?
set -e
nl_stop
[ "$rc" = 0 ] || [ "$rc" = 77 ] || nl_fail "browser checks failed (Chromium log: $OUT/chromium.log)"
[ "$rc" = 77 ] && exit 77
[ "$NL_STATUS" = 0 ] || nl_fail "netlabd exited with status $NL_STATUS after SIGTERM"
echo "screenshots: $OUT"

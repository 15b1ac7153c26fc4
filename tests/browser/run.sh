#!/bin/sh
# run.sh — the pages in a real browser: starts netlabd on loopback serving a copy of the
# repository's www/ (plus a fixtures/ directory the checker writes status documents
# into), then tests/browser/check_pages.py drives headless Chromium (DevTools protocol
# over a pipe) through index.html, helloWorld.html, status.html and the 404 page at
# 1280x720 and 1024x768 in the light and the dark theme: no console errors, no axe-core
# violations (WCAG 2.1 A/AA + best practice), the layout checks, the status page's
# numbers follow the echo traffic we send, and it reports the API as unreachable once
# netlabd is stopped. Screenshots are kept in $top_builddir/tests/browser/screenshots/.
#
# axe-core is a test-only dependency, pinned in tests/browser/package-lock.json: taken
# from tests/browser/node_modules if it is there, otherwise installed with `npm ci`
# into $top_builddir/tests/browser/npm (the integrity hash in the lock file is checked).
# It is injected into the pages by the test and never installed or served.
#
# Run alone with `make check-browser`; `make check` runs it too. Exit 77 (skip) when
# Chromium is not installed (apt-get install chromium).
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "SKIP: chromium is not installed (apt-get install chromium)"; exit 77; }

HERE="$top_srcdir/tests/browser"
AXE_VERSION=$(sed -n 's/^ *"axe-core": *"\([^"]*\)".*/\1/p' "$HERE/package.json")
axe_ok() {  # axe_ok DIR: DIR/node_modules/axe-core is the pinned version
        [ -f "$1/node_modules/axe-core/axe.min.js" ] &&
                grep -q "\"version\": *\"$AXE_VERSION\"" "$1/node_modules/axe-core/package.json"
}
if axe_ok "$HERE"; then
        AXE="$HERE/node_modules/axe-core/axe.min.js"
else
        NPM_DIR="$top_builddir/tests/browser/npm"
        if ! axe_ok "$NPM_DIR"; then
                command -v npm >/dev/null ||
                        nl_fail "axe-core $AXE_VERSION is needed and npm is not installed (apt-get install npm)"
                mkdir -p "$NPM_DIR"
                cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
                (cd "$NPM_DIR" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts >npm.log 2>&1) ||
                        nl_fail "npm ci of axe-core $AXE_VERSION failed (log: $NPM_DIR/npm.log)"
                axe_ok "$NPM_DIR" || nl_fail "npm ci did not give axe-core $AXE_VERSION"
        fi
        AXE="$NPM_DIR/node_modules/axe-core/axe.min.js"
fi

PORT=$(nl_free_port)
OUT="$top_builddir/tests/browser/screenshots"
rm -rf "$OUT"
mkdir -p "$OUT"

# A copy, so the checker's fixture documents never land in the source tree.
ROOT="$NL_TMP/www"
mkdir -p "$ROOT/fixtures"
cp "$top_srcdir"/www/* "$ROOT/"

cat >"$NL_TMP/netlab.conf" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = 0.0; seed = 1; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$ROOT"; access_log = false; };
CONF
nl_start "$NL_TMP/netlab.conf"

set +e
python3 "$HERE/check_pages.py" --chromium "$CHROMIUM" \
        --base "http://127.0.0.1:$PORT" --echo "127.0.0.1:$PORT" --out "$OUT" \
        --axe "$AXE" --fixtures "$ROOT/fixtures" --daemon-pid "$NL_PID"
rc=$?
set -e
nl_stop
[ "$rc" = 0 ] || [ "$rc" = 77 ] || nl_fail "browser checks failed (Chromium log: $OUT/chromium.log)"
[ "$rc" = 77 ] && exit 77
[ "$NL_STATUS" = 0 ] || nl_fail "netlabd exited with status $NL_STATUS after SIGTERM"
echo "screenshots: $OUT"

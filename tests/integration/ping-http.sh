#!/bin/sh
# ping-http.sh — netlab-ping --http against netlabd's HTTP service on loopback: 200s
# counted as received (new connection per probe, and --keep-alive on one connection), a
# 404 counted as a failure (exit 1), -v prints the first response's headers, --json has
# the http block, nothing listening is an error per probe. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
PORT=$(nl_free_port)
CONF="$NL_TMP/http.conf"
mkdir -p "$NL_TMP/www"
printf 'hello, netlab\n' >"$NL_TMP/www/index.html"
cat >"$CONF" <<CONF
log_level = "info";
echo = { enabled = false; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$NL_TMP/www"; };
CONF
nl_start "$CONF"
URL="http://127.0.0.1:$PORT"
out="$NL_TMP/out.txt"

"$PING" -c 5 -i 0.02 -v --http "$URL/" >"$out" 2>&1 || nl_fail "200: exit $?: $(cat "$out")"
[ "$(grep -c '^200: 14 bytes from 127.0.0.1: seq=[0-9] connect=.* pretransfer=.* ttfb=.* time=' "$out")" -eq 5 ] ||
        nl_fail "200 lines: $(cat "$out")"
grep -q '^HTTP/1.1 200' "$out" || nl_fail "-v: no response headers: $(cat "$out")"
[ "$(grep -c '^HTTP/1.1 ' "$out")" -eq 1 ] || nl_fail "-v printed headers more than once"
grep -q '^5 requests, 5 successful, 0 non-2xx, 0 connection errors, time [0-9]*ms$' "$out" || nl_fail "200 summary: $(cat "$out")"
grep -q '^5 connections, 70 body bytes$' "$out" || nl_fail "http line: $(cat "$out")"
grep -q '^phases p50, ms from the start of the request: connect [0-9.]*, pretransfer [0-9.]*, ttfb [0-9.]*, total [0-9.]*$' "$out" || nl_fail "phases line: $(cat "$out")"
grep -Eq 'duplicate|reordered|in flight|packets' "$out" && nl_fail "packet words in HTTP mode: $(cat "$out")"
nl_pass "5 x 200 on new connections, -v headers once"

"$PING" --json -c 20 -i 0.005 --keep-alive --http "$URL/index.html" >"$NL_TMP/ka.json" 2>/dev/null ||
        nl_fail "--keep-alive: exit $?"
python3 - "$NL_TMP/ka.json" <<'PY' || nl_fail "--keep-alive: $(cat "$NL_TMP/ka.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "http" and d["probes"]["received"] == 20, d["probes"]
h = d["http"]
assert h["connections"] == 1 and h["non_2xx"] == 0 and h["connection_errors"] == 0 and h["body_bytes"] == 280, h
assert h["requests"] == 20 and h["successful"] == 20 and h["status"] == {"200": 20} and h["phases_from"] == "start", h
for k in ("connect_ms", "pretransfer_ms", "ttfb_ms", "total_ms"):
    assert set(h[k]) >= {"min", "avg", "max", "mdev", "p50"}, h
assert h["pretransfer_ms"]["p50"] <= h["ttfb_ms"]["p50"] <= h["total_ms"]["p50"], h
PY
nl_pass "--keep-alive: 20 requests on one connection"

st=0
"$PING" -c 3 -i 0.02 --http "$URL/missing.html" >"$out" 2>&1 || st=$?
[ "$st" -eq 1 ] || nl_fail "404: exit $st, want 1"
[ "$(grep -c '^404: .* (failure)$' "$out")" -eq 3 ] || nl_fail "404 lines: $(cat "$out")"
grep -q '^3 requests, 0 successful, 3 non-2xx (404 x3), 0 connection errors, time [0-9]*ms$' "$out" || nl_fail "404 summary: $(cat "$out")"
grep -q 'errors, 100%' "$out" && nl_fail "404: packet-style summary: $(cat "$out")"
nl_pass "404 counted as failure, exit 1"

nl_stop
st=0
"$PING" -c 2 -i 0.02 --http "$URL/" >"$out" 2>&1 || st=$?
[ "$st" -eq 1 ] || nl_fail "refused: exit $st"
[ "$(grep -c '^seq=[0-9] error: Connection refused$' "$out")" -eq 2 ] || nl_fail "refused lines: $(cat "$out")"
nl_pass "nothing listening: Connection refused per probe, exit 1"

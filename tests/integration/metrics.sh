#!/bin/sh
# metrics.sh — /metrics and /api/status of a real netlabd, read with curl: content types,
# `promtool check metrics`, JSON that parses, counters that move by exactly the traffic
# this test sends (100 probes at loss 0 -> received +100), HTTP request counts,
# status_allow (403 outside the list), disabled endpoints (404), and scrapes that stay
# valid and consistent while the configuration is reloaded under them.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
PROMTOOL=$(command -v promtool) || { echo "SKIP: promtool is not installed (apt-get install prometheus)"; exit 77; }

PORT=$(nl_free_port)
BASE="http://127.0.0.1:$PORT"
CONF="$NL_TMP/netlab.conf"

write_conf() {  # write_conf LOSS [EXTRA HTTP KEYS]
        cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = $1; seed = 1; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$top_srcdir/www"; access_log = false; ${2:-} };
CONF
}

# Sends COUNT netlab probes (doc/protocol.md) from one socket and prints how many
# replies came back; one probe in flight at a time, so nothing is lost to buffers.
send_probes() {  # send_probes COUNT
        python3 - "$PORT" "$1" <<'PY'
import os, socket, struct, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(1.0)
session = int.from_bytes(os.urandom(8), "big")
replies = 0
for seq in range(count):
    probe = struct.pack(">4sBBHQQQ", b"NLAB", 1, 0, 0, session, seq, time.time_ns() // 1000)
    s.sendto(probe + bytes(32), ("127.0.0.1", port))
    try:
        if len(s.recv(2048)) == 64:
            replies += 1
    except socket.timeout:
        pass
print(replies)
PY
}

# json_get FILE EXPR: evaluates a Python expression over the parsed document `d`.
json_get() {
        python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as f:
    d = json.load(f)
print(eval(sys.argv[2], {"d": d}))
PY
}

# metric FILE NAME{LABELS}: the value of one sample in an exposition file.
metric() {
        awk -v want="$2" '$1 == want { print $2; found = 1 } END { if (!found) print "missing" }' "$1"
}

fetch() {  # fetch PATH OUT -> prints the status code; headers in OUT.h
        curl -sS -o "$2" -D "$2.h" -w '%{http_code}' "$BASE$1"
}

write_conf 0.0
nl_start "$CONF"

# ---- /metrics -------------------------------------------------------------------------
code=$(fetch /metrics "$NL_TMP/m1") || nl_fail "curl /metrics failed"
[ "$code" = 200 ] || nl_fail "/metrics: status $code, want 200"
grep -qi '^content-type: text/plain; version=0.0.4' "$NL_TMP/m1.h" ||
        nl_fail "/metrics content type: $(grep -i '^content-type' "$NL_TMP/m1.h")"
out=$("$PROMTOOL" check metrics <"$NL_TMP/m1" 2>&1) || nl_fail "promtool check metrics: $out"
for family in netlab_echo_received_total netlab_echo_replied_total netlab_echo_dropped_total \
              netlab_echo_duplicated_total netlab_echo_reordered_total netlab_echo_queued_replies \
              netlab_http_requests_total netlab_http_response_bytes_total netlab_http_open_connections \
              netlab_http_request_duration_seconds netlab_build_info process_start_time_seconds; do
        grep -q "^# TYPE $family " "$NL_TMP/m1" || nl_fail "/metrics has no family $family"
done
grep -q '^netlab_echo_dropped_total{service="echo",reason="loss"} ' "$NL_TMP/m1" || nl_fail "no drop reason label"
grep -q '^netlab_echo_received_total{service="stamp"} 0$' "$NL_TMP/m1" || nl_fail "no stamp service samples"
grep -q '^netlab_http_request_duration_seconds_bucket{le="+Inf"} ' "$NL_TMP/m1" || nl_fail "no histogram"
nl_pass "/metrics: 0.0.4 content type, promtool check metrics passes, all families present"

# ---- /api/status ----------------------------------------------------------------------
code=$(fetch /api/status "$NL_TMP/s1") || nl_fail "curl /api/status failed"
[ "$code" = 200 ] || nl_fail "/api/status: status $code, want 200"
grep -qi '^content-type: application/json' "$NL_TMP/s1.h" || nl_fail "/api/status content type"
version=$(json_get "$NL_TMP/s1" 'd["version"]') || nl_fail "/api/status is not JSON: $(head -c 300 "$NL_TMP/s1")"
"$NETLABD" --version | grep -qF "$version" || nl_fail "version '$version' is not netlabd's"
[ "$(json_get "$NL_TMP/s1" 'float(d["config"]["echo"]["loss"])')" = 0.0 ] || nl_fail "config.echo.loss"
# Everyone may read the counters by default, but not where the files are.
[ "$(json_get "$NL_TMP/s1" '"root" in d["config"]["http"] or "path" in d["config"]')" = False ] ||
        nl_fail "filesystem paths shown without status_allow: $(head -c 600 "$NL_TMP/s1")"
[ "$(json_get "$NL_TMP/s1" 'd["config"]["http"]["status_allow"]')" = "[]" ] || nl_fail "status_allow is not []"
[ "$(json_get "$NL_TMP/s1" 'd["uptime_seconds"] >= 0 and d["start_time"] > 1.6e9')" = True ] ||
        nl_fail "uptime/start_time"
nl_pass "/api/status: JSON with version $version, effective configuration, uptime"

# ---- counters move by exactly the traffic sent ----------------------------------------
fetch /api/status "$NL_TMP/before" >/dev/null
fetch /metrics "$NL_TMP/before.prom" >/dev/null
replies=$(send_probes 100)
[ "$replies" = 100 ] || nl_fail "loss 0: $replies/100 probes answered"
fetch /api/status "$NL_TMP/after" >/dev/null
fetch /metrics "$NL_TMP/after.prom" >/dev/null
for c in received replied probes; do
        b=$(json_get "$NL_TMP/before" "d['echo']['$c']")
        a=$(json_get "$NL_TMP/after" "d['echo']['$c']")
        [ $((a - b)) = 100 ] || nl_fail "/api/status echo.$c moved by $((a - b)), want 100"
done
for c in received replied probes; do
        b=$(metric "$NL_TMP/before.prom" "netlab_echo_${c}_total{service=\"echo\"}")
        a=$(metric "$NL_TMP/after.prom" "netlab_echo_${c}_total{service=\"echo\"}")
        [ $((a - b)) = 100 ] || nl_fail "netlab_echo_${c}_total moved by $((a - b)), want 100"
done
b=$(metric "$NL_TMP/before.prom" 'netlab_echo_received_bytes_total{service="echo"}')
a=$(metric "$NL_TMP/after.prom" 'netlab_echo_received_bytes_total{service="echo"}')
[ $((a - b)) = 6400 ] || nl_fail "netlab_echo_received_bytes_total moved by $((a - b)), want 6400"
b=$(metric "$NL_TMP/before.prom" 'netlab_echo_dropped_total{service="echo",reason="loss"}')
a=$(metric "$NL_TMP/after.prom" 'netlab_echo_dropped_total{service="echo",reason="loss"}')
[ "$a" = "$b" ] || nl_fail "loss 0 but dropped{loss} moved from $b to $a"
nl_pass "100 probes at loss 0: received, replied, probes +100, bytes +6400, no drops (JSON and Prometheus)"

# ---- HTTP request counts ------------------------------------------------------------------
fetch /api/status "$NL_TMP/h0" >/dev/null
fetch /metrics "$NL_TMP/h0.prom" >/dev/null
for i in 1 2 3 4 5; do
        code=$(fetch /helloWorld.html "$NL_TMP/page") || nl_fail "curl /helloWorld.html"
        [ "$code" = 200 ] || nl_fail "/helloWorld.html: $code"
done
code=$(fetch /no-such-page.html "$NL_TMP/page") || nl_fail "curl a missing page"
[ "$code" = 404 ] || nl_fail "missing page: $code, want 404"
fetch /api/status "$NL_TMP/h1" >/dev/null
fetch /metrics "$NL_TMP/h1.prom" >/dev/null
# Between the two status reads: 6 page requests and the /metrics scrape (h0.prom), plus
# the first status read itself, however the server orders counting and rendering.
b=$(json_get "$NL_TMP/h0" "d['http']['requests']")
a=$(json_get "$NL_TMP/h1" "d['http']['requests']")
[ $((a - b)) = 8 ] || nl_fail "http.requests moved by $((a - b)), want 8"
grep -q '^netlab_http_requests_total{' "$NL_TMP/h1.prom" ||
        nl_fail "netlab_http_requests_total has no samples after 8 requests: daemon_serve_dynamic() (daemon.c) must set .http_requests = d->http ? http_server_get_metrics(d->http) : NULL"
b=$(metric "$NL_TMP/h0.prom" 'netlab_http_requests_total{code="404",method="GET"}')
a=$(metric "$NL_TMP/h1.prom" 'netlab_http_requests_total{code="404",method="GET"}')
[ "$b" = missing ] && b=0
[ "$a" = 1 ] && [ "$b" = 0 ] || nl_fail "requests_total{code=404,method=GET}: $b -> $a, want 0 -> 1"
b=$(metric "$NL_TMP/h0.prom" 'netlab_http_request_duration_seconds_count')
a=$(metric "$NL_TMP/h1.prom" 'netlab_http_request_duration_seconds_count')
[ $((a - b)) = 8 ] || nl_fail "duration histogram count moved by $((a - b)), want 8"
[ "$(json_get "$NL_TMP/h1" "d['http']['responses_by_code']['404']")" = 1 ] || nl_fail "responses_by_code 404"
nl_pass "HTTP: requests +8, requests_total{code=\"404\",method=\"GET\"} 0 -> 1, histogram count +8"

out=$("$PROMTOOL" check metrics <"$NL_TMP/h1.prom" 2>&1) || nl_fail "promtool after traffic: $out"
nl_pass "promtool check metrics passes with traffic in every family"

# ---- consistent scrapes during reloads ------------------------------------------------
# Alternate loss between 0.25 and 0.5 while scraping: every body must be complete and
# valid, and show one configuration or the other, never a mix or a torn document.
for i in 1 2 3 4 5 6 7 8 9 10; do
        if [ $((i % 2)) = 0 ]; then write_conf 0.25; else write_conf 0.5; fi
        kill -HUP "$NL_PID"
        for j in 1 2 3; do
                fetch /api/status "$NL_TMP/r" >/dev/null || nl_fail "scrape during reload failed"
                loss=$(json_get "$NL_TMP/r" 'float(d["config"]["echo"]["loss"])') ||
                        nl_fail "torn JSON during reload: $(head -c 200 "$NL_TMP/r")"
                case $loss in 0.0|0.25|0.5) ;; *) nl_fail "loss $loss during reload" ;; esac
                fetch /metrics "$NL_TMP/r.prom" >/dev/null || nl_fail "scrape during reload failed"
                ratio=$(metric "$NL_TMP/r.prom" netlab_echo_loss_ratio)
                case $ratio in 0|0.25|0.5) ;; *) nl_fail "loss ratio $ratio during reload" ;; esac
        done
done
out=$("$PROMTOOL" check metrics <"$NL_TMP/r.prom" 2>&1) || nl_fail "promtool after reloads: $out"
fetch /api/status "$NL_TMP/r" >/dev/null
[ "$(json_get "$NL_TMP/r" 'float(d["config"]["echo"]["loss"])')" = 0.25 ] || nl_fail "last reload not applied"
[ "$(json_get "$NL_TMP/r" 'd["daemon"]["reloads"]')" = 10 ] || nl_fail "daemon.reloads != 10"
kill -0 "$NL_PID" || nl_fail "netlabd died during reloads"
nl_pass "scrapes during 10 reloads: always valid, loss is one snapshot's value"
nl_stop

# ---- status_allow and disabled endpoints --------------------------------------------------
write_conf 0.0 'status_allow = ["10.0.0.0/8", "fd00::/8"];'
nl_start "$CONF"
[ "$(fetch /metrics "$NL_TMP/x")" = 403 ] || nl_fail "/metrics from 127.0.0.1 outside status_allow: not 403"
[ "$(fetch /api/status "$NL_TMP/x")" = 403 ] || nl_fail "/api/status outside status_allow: not 403"
[ "$(fetch /helloWorld.html "$NL_TMP/x")" = 200 ] || nl_fail "status_allow must not restrict pages"
nl_stop
write_conf 0.0 'status_allow = ["127.0.0.0/8", "::1"];'
nl_start "$CONF"
[ "$(fetch /metrics "$NL_TMP/x")" = 200 ] || nl_fail "/metrics from 127.0.0.1 inside status_allow: not 200"
[ "$(fetch /api/status "$NL_TMP/x")" = 200 ] || nl_fail "/api/status inside status_allow: not 200"
[ "$(json_get "$NL_TMP/x" 'd["config"]["http"]["root"]')" = "$top_srcdir/www" ] || nl_fail "config.http.root inside status_allow"
[ "$(json_get "$NL_TMP/x" 'd["config"]["path"]')" = "$CONF" ] || nl_fail "config.path inside status_allow"
nl_stop
nl_pass "status_allow: 403 outside the list, 200 and the paths inside, pages unaffected"

write_conf 0.0 'status_allow = [];'
nl_start "$CONF"
[ "$(fetch /api/status "$NL_TMP/x")" = 200 ] || nl_fail "/api/status with status_allow = []: not 200"
[ "$(json_get "$NL_TMP/x" 'd["config"]["http"]["status_allow"]')" = "[]" ] || nl_fail "status_allow = [] not shown as []"
[ "$(json_get "$NL_TMP/x" '"root" in d["config"]["http"]')" = False ] || nl_fail "root shown with status_allow = []"
nl_stop
nl_pass "status_allow = []: everyone reads the counters, shown as [], no paths"

write_conf 0.0 'metrics_path = ""; status_path = "/status.json";'
nl_start "$CONF"
[ "$(fetch /metrics "$NL_TMP/x")" = 404 ] || nl_fail "metrics_path = \"\" must disable /metrics"
[ "$(fetch /api/status "$NL_TMP/x")" = 404 ] || nl_fail "old status path still served"
[ "$(fetch /status.json "$NL_TMP/x")" = 200 ] || nl_fail "status_path = /status.json not served"
json_get "$NL_TMP/x" 'd["version"]' >/dev/null || nl_fail "/status.json is not JSON"
nl_stop
nl_pass "metrics_path = \"\" disables /metrics; status_path moves the JSON"

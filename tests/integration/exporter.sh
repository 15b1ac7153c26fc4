#!/bin/sh
# exporter.sh — netlab-ping --exporter (issue 17) against the real netlabd on loopback:
# /probe in udp, stamp-less udp with loss (loss split adds up), http and --rtt-histogram
# modes; every error path (name that does not resolve, nothing listening, address not in
# --allow, shed by --max-concurrent) answers 200 with netlab_probe_success 0 and a reason;
# bad or over-limit parameters are 400, unknown paths 404, POST 405, an endless head 431;
# /metrics and the --target windows; `promtool check metrics` on every answer; SIGTERM
# stops it cleanly (exit 0). Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
command -v promtool >/dev/null || nl_fail "promtool not installed (Debian package prometheus)"
PORT=$(nl_free_port)
XPORT=$(nl_free_port)
DEAD=$(nl_free_port)
CONF="$NL_TMP/netlab.conf"
mkdir -p "$NL_TMP/www"
echo hello >"$NL_TMP/www/index.html"
cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = 0.3; seed = 17; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$NL_TMP/www"; };
CONF
nl_start "$CONF"

XLOG="$NL_TMP/exporter.log"
start_exporter() {
        "$PING" --exporter "127.0.0.1:$XPORT" "$@" >"$XLOG" 2>&1 &
        XPID=$!
        nl_track "$XPID"
        nl_wait_log 'Ready: ' 10 "$XLOG" || nl_fail "exporter not ready: $(cat "$XLOG")"
}
stop_exporter() {
        kill -TERM "$XPID"
        i=0
        while kill -0 "$XPID" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        st=0
        wait "$XPID" || st=$?
        [ "$st" -eq 0 ] || nl_fail "exporter exit status $st after SIGTERM: $(cat "$XLOG")"
        grep -q 'Received SIGTERM, stopping' "$XLOG" || nl_fail "no stop message: $(cat "$XLOG")"
}
out="$NL_TMP/out.prom"
get() {         # get PATH -> body in $out, status in $code
        code=$(curl -s -m 20 -o "$out" -w '%{http_code}' "http://127.0.0.1:$XPORT$1") || code=000
}
check() {       # promtool must accept the answer
        promtool check metrics <"$out" >"$NL_TMP/promtool.txt" 2>&1 ||
                nl_fail "promtool check metrics ($1): $(cat "$NL_TMP/promtool.txt") in: $(cat "$out")"
}
val() {         # val 'METRIC{labels}' -> its value
        awk -v m="$1" '$1 == m { print $2; exit }' "$out"
}

start_exporter --allow 127.0.0.0/8 --max-concurrent 2 --max-count 200

# ---- udp: counts add up, the split covers every loss (final counters) ------------------------
get "/probe?target=127.0.0.1:$PORT&count=100&interval=0.01&timeout=0.3"
[ "$code" = 200 ] || nl_fail "udp probe: HTTP $code: $(cat "$out")"
check udp
[ "$(val netlab_probe_success)" = 1 ] || nl_fail "udp success: $(cat "$out")"
sent=$(val netlab_probe_packets_sent); recv=$(val netlab_probe_packets_received); lost=$(val netlab_probe_packets_lost)
em=$(val 'netlab_probe_packets_lost_by_cause{cause="emulated"}')
un=$(val 'netlab_probe_packets_lost_by_cause{cause="unattributed"}')
[ "$sent" = 100 ] || nl_fail "sent $sent"
[ $((recv + lost)) -eq 100 ] || nl_fail "received $recv + lost $lost != 100"
[ "$em" -eq "$lost" ] && [ "$un" -eq 0 ] || nl_fail "loss split: emulated $em unattributed $un lost $lost"
# 100 draws at p = 0.3: P(lost outside 14..47) < 1e-4
[ "$lost" -ge 14 ] && [ "$lost" -le 47 ] || nl_fail "lost $lost of 100 at 30 %"
grep -q '^netlab_probe_rtt_seconds{quantile="0.99"} ' "$out" || nl_fail "no RTT summary"
grep -q '^# TYPE netlab_probe_rtt_seconds summary' "$out" || nl_fail "RTT not a summary"
nl_pass "udp: 100 sent = $recv received + $lost lost, all emulated (final counters)"

# ---- http ---------------------------------------------------------------------------------------
get "/probe?target=127.0.0.1:$PORT&mode=http&count=3&interval=0.05"
[ "$code" = 200 ] && check http && [ "$(val netlab_probe_success)" = 1 ] && [ "$(val netlab_probe_packets_received)" = 3 ] ||
        nl_fail "http probe: $code $(cat "$out")"
get "/probe?target=http%3A%2F%2F127.0.0.1%3A$PORT%2Fnope&mode=http&count=2&interval=0.05"
[ "$code" = 200 ] && check http-404 || nl_fail "http 404 probe: $code"
grep -q '^netlab_probe_success{reason="http_status"} 0$' "$out" || nl_fail "http 404: $(cat "$out")"
nl_pass "http: 3/3; a 404 page is success 0, reason http_status"

# ---- every failure is 200 + success 0 + reason ---------------------------------------------------
for case in "nonexistent.invalid resolve" "127.0.0.1:$DEAD unreachable" "10.0.0.1:$PORT denied"; do
        set -- $case
        get "/probe?target=$1&count=2&interval=0.05&timeout=0.2"
        [ "$code" = 200 ] || nl_fail "$1: HTTP $code"
        check "$2"
        grep -q "^netlab_probe_success{reason=\"$2\"} 0\$" "$out" || nl_fail "$1: want reason $2: $(cat "$out")"
done
get "/probe?target=127.0.0.1:$DEAD&mode=http&count=1"
[ "$code" = 200 ] && check connect && grep -q '^netlab_probe_success{reason="connect"} 0$' "$out" ||
        nl_fail "http connect refused: $code $(cat "$out")"
nl_pass "resolve, unreachable, denied, connect: HTTP 200, success 0 with the reason"

# ---- shedding: --max-concurrent 2, a third run at once is shed ---------------------------------
cpids=""
for i in 1 2; do
        curl -s -m 10 -o /dev/null "http://127.0.0.1:$XPORT/probe?target=127.0.0.1:$PORT&count=20&interval=0.05" &
        cpids="$cpids $!"
done
sleep 0.3
get "/probe?target=127.0.0.1:$PORT&count=1"
for p in $cpids; do wait "$p"; done
[ "$code" = 200 ] && check shed && grep -q '^netlab_probe_success{reason="shed"} 0$' "$out" ||
        nl_fail "third concurrent run not shed: $code $(cat "$out")"
get /metrics
[ "$code" = 200 ] && check metrics || nl_fail "/metrics: $code"
[ "$(val 'netlab_exporter_probes_shed_total{reason="concurrency"}')" = 1 ] || nl_fail "shed counter: $(cat "$out")"
grep -q '^process_resident_memory_bytes [1-9]' "$out" || nl_fail "no RSS"
grep -q '^netlab_exporter_probes_in_flight 0$' "$out" || nl_fail "runs still in flight"
nl_pass "shedding past --max-concurrent is an answer and a counter"

# ---- bad requests ---------------------------------------------------------------------------------
for q in "" "?count=3" "?target=a&target=b" "?target=x&count=0" "?target=x&count=201" "?target=x&interval=0.001" \
         "?target=x&timeout=6" "?target=x&mode=icmp" "?target=x%zz" "?target=x&count=200&interval=1"; do
        get "/probe$q"
        [ "$code" = 400 ] || nl_fail "'/probe$q': HTTP $code, want 400"
done
get "/probe?target=$(python3 -c 'print("a"*300)')"
[ "$code" = 414 ] || nl_fail "long target: $code"
get /nope
[ "$code" = 404 ] || nl_fail "/nope: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$XPORT/probe")
[ "$code" = 405 ] || nl_fail "POST: $code"
code=$(python3 - "$XPORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 9000 + b"\r\n\r\n")
print(s.recv(100).split()[1].decode())
PY
)
[ "$code" = 431 ] || nl_fail "long head: $code"
nl_pass "400 for bad or over-limit parameters, 414, 404, 405, 431"
stop_exporter
nl_pass "SIGTERM: clean stop, exit 0"

# ---- histogram, --target windows in /metrics ------------------------------------------------------
start_exporter --rtt-histogram --target "127.0.0.1:$PORT" --target "127.0.0.1:$DEAD" --target nonexistent.invalid \
        --window 0.5 -i 0.05 -W 0.2
get "/probe?target=127.0.0.1:$PORT&count=5&interval=0.01"
check histogram
grep -q '^# TYPE netlab_probe_rtt_seconds histogram' "$out" || nl_fail "no histogram"
grep -q '^netlab_probe_rtt_seconds_bucket{le="+Inf"} ' "$out" || nl_fail "no +Inf bucket"
sleep 1.5
get /metrics
check target-windows
grep -q "^netlab_probe_packets_sent{target=\"127.0.0.1:$PORT\",mode=\"udp\"} 10\$" "$out" || nl_fail "window: $(cat "$out")"
grep -q "^netlab_probe_success{target=\"127.0.0.1:$PORT\",mode=\"udp\"} 1\$" "$out" || nl_fail "window success"
grep -q "^netlab_probe_success{target=\"127.0.0.1:$DEAD\",mode=\"udp\",reason=\"unreachable\"} 0\$" "$out" ||
        nl_fail "dead target window: $(grep success "$out")"
grep -q '^netlab_probe_success{target="nonexistent.invalid",mode="udp",reason="resolve"} 0$' "$out" ||
        nl_fail "unresolvable target window"
[ "$(grep -c '^# TYPE netlab_probe_success ' "$out")" = 1 ] || nl_fail "family repeated"
stop_exporter
nl_pass "--rtt-histogram, --target windows (ok, unreachable, resolve) in /metrics"

# ---- usage errors ---------------------------------------------------------------------------------
for bad in "--exporter nowhere" "--exporter 127.0.0.1:$XPORT --allow 300.1.1.1" "--exporter 127.0.0.1:$XPORT --max-count 0" \
           "--exporter 127.0.0.1:$XPORT --mode icmp" "--exporter 127.0.0.1:$XPORT extra"; do
        st=0
        # shellcheck disable=SC2086
        "$PING" $bad >"$NL_TMP/usage.txt" 2>&1 || st=$?
        [ "$st" -ne 0 ] || nl_fail "'$bad' accepted"
done
nl_pass "usage errors"

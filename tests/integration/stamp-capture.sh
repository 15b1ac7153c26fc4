#!/bin/sh
# stamp-capture.sh — captures of netlab-ping --stamp <-> the scapy reflector and
# netlab-ping --stamp <-> netlabd's reflector (stateful) on lo, decoded by Debian's tshark
# as TWAMP-Test (`-d udp.port==PORT,twamp.test`; STAMP unauthenticated is wire-compatible
# with TWAMP-Light): no malformed packet, and the sequence numbers of the requests, of
# the reflected sender fields and (stateful) of the reflector's own equal netlab-ping's
# --json-lines records. Capturing needs root (or CAP_NET_RAW): skipped otherwise, saying so.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init --alone

if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: capturing on lo needs root; run tests/check-all.sh as root for the tshark check"
        exit 77
fi
command -v tshark >/dev/null || nl_fail "tshark is missing (apt-get install tshark; tests/check-all.sh does)"
nl_stamp_tools

pf="$NL_TMP/peer.port"
report="$NL_TMP/peer.json"
"$PY" "$PEER" reflector --mode stateful --port-file "$pf" --report "$report" >"$NL_TMP/peer.log" 2>&1 &
peer=$!
nl_track "$peer"
i=0
while [ ! -s "$pf" ]; do
        i=$((i + 1))
        [ "$i" -lt 300 ] || nl_fail "scapy reflector did not start: $(cat "$NL_TMP/peer.log")"
        sleep 0.05
done
PORT=$(cat "$pf")

# capture WHAT: netlab-ping --stamp -c 10 against 127.0.0.1:$PORT under tshark, checked
capture() {
# tshark says "Capturing on" a moment before the filter is attached: wait until it has
# seen a marker datagram to another port (-P prints each packet as it is written).
MARK=$(nl_free_port)
cap="$NL_TMP/stamp.pcapng"
tshark -l -P -i lo -f "udp port $PORT or udp port $MARK" -w "$cap" >"$NL_TMP/tshark.log" 2>&1 &
ts=$!
nl_track "$ts"
i=0
until grep -q "$MARK" "$NL_TMP/tshark.log"; do
        "$PY" -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"m", ("127.0.0.1", int(sys.argv[1])))' "$MARK"
        i=$((i + 1))
        [ "$i" -lt 150 ] || nl_fail "tshark did not start capturing: $(cat "$NL_TMP/tshark.log")"
        sleep 0.1
done

lines="$NL_TMP/lines.json"
"$PING" --stamp --json-lines -c 10 -i 0.02 "127.0.0.1:$PORT" >"$lines" 2>"$NL_TMP/ping.err" ||
        nl_fail "netlab-ping failed: $(cat "$NL_TMP/ping.err")"
i=0
until [ "$(grep -c "$PORT" "$NL_TMP/tshark.log")" -ge 20 ]; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || nl_fail "tshark saw $(grep -c "$PORT" "$NL_TMP/tshark.log") of 20 packets"
        sleep 0.05
done
kill -INT "$ts"
wait "$ts" 2>/dev/null || true

decode() {
        tshark -r "$cap" -d "udp.port==$PORT,twamp.test" "$@" 2>"$NL_TMP/decode.err"
}
[ "$(decode -Y '_ws.malformed || _ws.expert.severity >= warning' | wc -l)" -eq 0 ] ||
        nl_fail "malformed or warned packets: $(decode -Y '_ws.malformed || _ws.expert.severity >= warning')"
[ "$(decode -Y twamp.test | wc -l)" -eq 20 ] || nl_fail "expected 20 TWAMP-Test packets: $(decode)"

want=$("$PY" -c 'import json, sys
print(" ".join(str(r["seq"]) for r in map(json.loads, open(sys.argv[1])) if r["type"] == "probe" and r["result"] == "reply"))' "$lines")
sent=$(decode -Y "udp.dstport == $PORT" -T fields -e twamp.test.seq_number | tr '\n' ' ' | sed 's/ $//')
echoed=$(decode -Y "udp.srcport == $PORT" -T fields -e twamp.test.sender_seq_number | tr '\n' ' ' | sed 's/ $//')
ttl=$(decode -Y "udp.srcport == $PORT" -T fields -e twamp.test.sender_ttl | sort -u | tr '\n' ' ')
[ "$want" = "0 1 2 3 4 5 6 7 8 9" ] || nl_fail "--json-lines replies: $want"
[ "$sent" = "$want" ] || nl_fail "requests decoded as seq '$sent', netlab-ping says '$want'"
[ "$echoed" = "$want" ] || nl_fail "reflected sender seq '$echoed', netlab-ping says '$want'"
[ "$ttl" = "64 " ] || nl_fail "reflected sender TTL '$ttl'"
own=$(decode -Y "udp.srcport == $PORT" -T fields -e twamp.test.seq_number | tr '\n' ' ' | sed 's/ $//')
[ "$own" = "$want" ] || nl_fail "reflector's own seq '$own' (stateful, from 0), want '$want'"
nl_pass "$1: tshark decodes 20 STAMP packets without a malformed one; seq numbers match --json-lines"
}

capture "scapy reflector"
kill -TERM "$peer"
wait "$peer" 2>/dev/null || true

# ---- the same against netlabd's reflector ----------------------------------------------
PORT=$(nl_free_port)
cat >"$NL_TMP/netlabd.conf" <<CONF
echo = { enabled = false; };
stamp = { enabled = true; listen = ["127.0.0.1:$PORT"]; mode = "stateful"; };
http = { enabled = false; };
CONF
nl_start "$NL_TMP/netlabd.conf"
capture "netlabd"
nl_stop

#!/bin/sh
# stamp.sh — netlab-ping --stamp against an independent STAMP reflector written with
# Debian's scapy (tests/integration/stamp-peer.py, scapy.contrib.stamp), on loopback:
# stateless (every probe answered, the TTL it saw, no loss split), stateful with the
# Direct Measurement TLV and seeded 20 % drops at the reflector (netlab-ping's sent,
# received and emulated figures equal the reflector's own count; upstream and downstream
# 0), the RFC 8762 base size, and bad --stamp sizes. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init --alone

nl_stamp_tools

# start_peer MODE [ARGS..]: sets PEER_PID, PEER_PORT, PEER_REPORT
start_peer() {
        mode=$1
        shift
        PEER_REPORT="$NL_TMP/peer-$mode-$$.json"
        pf="$NL_TMP/peer-$mode.port"
        rm -f "$pf" "$PEER_REPORT"
        "$PY" "$PEER" reflector --mode "$mode" --port-file "$pf" --report "$PEER_REPORT" "$@" \
                >"$NL_TMP/peer-$mode.log" 2>&1 &
        PEER_PID=$!
        nl_track "$PEER_PID"
        i=0
        while [ ! -s "$pf" ]; do
                kill -0 "$PEER_PID" 2>/dev/null || nl_fail "scapy reflector died: $(cat "$NL_TMP/peer-$mode.log")"
                i=$((i + 1))
                [ "$i" -lt 300 ] || nl_fail "scapy reflector did not start within 15 s"
                sleep 0.05
        done
        PEER_PORT=$(cat "$pf")
}

stop_peer() {
        kill -TERM "$PEER_PID"
        i=0
        while [ ! -s "$PEER_REPORT" ]; do
                i=$((i + 1))
                [ "$i" -lt 200 ] || nl_fail "scapy reflector wrote no report within 10 s"
                sleep 0.05
        done
        wait "$PEER_PID" 2>/dev/null || nl_fail "scapy reflector failed: $(cat "$NL_TMP"/peer-*.log)"
}

# json FILE EXPR: prints EXPR evaluated on the JSON document in FILE as d
json() {
        "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- stateless: every probe answered, TTL 64 as seen, no loss split ----------------------
start_peer stateless
out="$NL_TMP/stateless.txt"
"$PING" --stamp -c 20 -i 0.01 "127.0.0.1:$PEER_PORT" >"$out" 2>&1 || nl_fail "exit $?: $(cat "$out")"
grep -q "^NETLAB-PING 127.0.0.1 (127.0.0.1) port $PEER_PORT: 60 bytes (STAMP)$" "$out" || nl_fail "header: $(cat "$out")"
grep -q '^20 packets transmitted, 20 received, 0% packet loss' "$out" || nl_fail "summary: $(cat "$out")"
[ "$(grep -c '^60 bytes from 127.0.0.1: seq=[0-9]* ttl=64 time=' "$out")" -eq 20 ] || nl_fail "per-probe lines: $(cat "$out")"
grep -q '^server: time in the server min/avg/max' "$out" && nl_fail "a stateless reflector's zero counters were used: $(cat "$out")"
grep -q 'does not fill the Direct Measurement TLV' "$out" || nl_fail "no note about the missing DM counters: $(cat "$out")"
stop_peer
[ "$(json "$PEER_REPORT" 'd["received"], d["sent"]')" = "(20, 20)" ] || nl_fail "reflector count: $(cat "$PEER_REPORT")"
nl_pass "stateless scapy reflector: 20/20, ttl=64 per reply, loss not split"

# ---- stateful + DM, seeded 20 % drops: figures equal the reflector's count -------------
# -W 5: a slow (ASan, loaded) scapy reflector answers late rather than never; its deep
# receive queue keeps requests from being dropped before it counts them. scapy parses a
# few hundred packets a second on a busy box: 300 probes at 200/s stay within what it can
# count before netlab-ping's last -W runs out.
N=300
start_peer stateful --loss 0.2 --seed 7 --count "$N"
doc="$NL_TMP/stateful.json"
"$PING" --stamp -q --json -c "$N" -i 0.005 -W 5 "127.0.0.1:$PEER_PORT" >"$doc" 2>"$NL_TMP/stateful.err" ||
        [ $? -eq 1 ] || nl_fail "exit status: $(cat "$NL_TMP/stateful.err")"
stop_peer
dropped=$(json "$PEER_REPORT" 'd["dropped"]')
[ "$(json "$PEER_REPORT" 'd["received"]')" -eq "$N" ] || nl_fail "reflector received: $(cat "$PEER_REPORT")"
# Binomial(300, 0.2): mean 60, sd 6.9; 35..85 is wider than its 99.99 % interval.
[ "$dropped" -ge 35 ] && [ "$dropped" -le 85 ] || nl_fail "seeded 20 % of $N gave $dropped drops"
got=$(json "$doc" '(d["mode"], d["probes"]["sent"], d["probes"]["received"], d["loss_split"]["available"], d["loss_split"]["upstream"], d["loss_split"]["emulated"], d["loss_split"]["downstream"], d["loss_split"]["late"])')
want=$(json "$PEER_REPORT" '("stamp", '"$N"', d["sent"], True, 0, d["dropped"], 0, 0)')
[ "$got" = "$want" ] || nl_fail "netlab-ping $got, reflector $want: $(cat "$doc")"
nl_pass "stateful scapy reflector + DM: $N sent, $dropped emulated drops counted exactly, 0 upstream/downstream"

# ---- RFC 8762 base packets (-s 44) and padding; bad sizes -------------------------------
start_peer stateful
out="$NL_TMP/base.txt"
"$PING" --stamp -c 3 -i 0.01 -s 44 "127.0.0.1:$PEER_PORT" >"$out" 2>&1 || nl_fail "exit $? at -s 44: $(cat "$out")"
[ "$(grep -c '^44 bytes from 127.0.0.1: seq=[0-9] ttl=64 ' "$out")" -eq 3 ] || nl_fail "-s 44: $(cat "$out")"
"$PING" --stamp -c 3 -i 0.01 -s 1000 "127.0.0.1:$PEER_PORT" >"$out" 2>&1 || nl_fail "exit $? at -s 1000: $(cat "$out")"
[ "$(grep -c '^1000 bytes from 127.0.0.1: seq=[0-9] ttl=64 ' "$out")" -eq 3 ] || nl_fail "-s 1000: $(cat "$out")"
grep -q '^server: time in the server min/avg/max' "$out" || nl_fail "-s 1000 (DM + padding): no counters: $(cat "$out")"
stop_peer
for bad in 43 45 47 61 63; do
        st=0
        "$PING" --stamp -c 1 -s "$bad" 127.0.0.1 >"$out" 2>&1 || st=$?
        [ "$st" -eq 2 ] && grep -q "Invalid" "$out" || nl_fail "-s $bad: exit $st: $(cat "$out")"
done
st=0
"$PING" -c 1 -s 44 127.0.0.1 >"$out" 2>&1 || st=$?
[ "$st" -eq 2 ] || nl_fail "-s 44 without --stamp accepted (exit $st)"
nl_pass "-s 44 and -s 1000 answered at their size; 43, 45, 47, 61, 63 rejected"

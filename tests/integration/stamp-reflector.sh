#!/bin/sh
# stamp-reflector.sh — netlabd as a STAMP Session-Reflector on loopback. The independent
# scapy sender (stamp-peer.py sender) checks every reply in stateless, stateful and
# stateful + Direct Measurement mode: it parses, is as long as its request (44 and 100
# octets), echoes the sender's fields, receive timestamp <= timestamp, MBZ zero, the TTL
# it was sent with. netlab-ping --stamp against netlabd with seeded 20 % loss, stateful +
# DM, 5000 probes: netlab-ping's emulated count equals netlabd's counter exactly, no
# upstream or downstream loss. Malformed input (random 0..200-octet datagrams, bad TLV
# lengths, TLV chains longer than the datagram): never a reply larger than its request,
# short ones never answered, both counted, the daemon still answers. A classroom profile
# matching the sender's address impairs its STAMP session. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

nl_stamp_tools
EPORT=$(nl_free_port)
SPORT=$(nl_free_port)
[ "$EPORT" != "$SPORT" ] || SPORT=$(nl_free_port)
CONF="$NL_TMP/stamp.conf"

start() {  # start MODE EXTRA-ECHO-SETTINGS
        cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$EPORT"]; seed = 7; rate_limit = 0.0; $2 };
stamp = { enabled = true; listen = ["127.0.0.1:$SPORT"]; mode = "$1"; };
http = { enabled = false; };
CONF
        nl_start "$CONF"
        grep -q "Listening on 127.0.0.1:$SPORT (stamp)" "$NL_LOG" || nl_fail "no stamp socket: $(cat "$NL_LOG")"
}

sender() {  # sender MODE ARGS..: the scapy sender against netlabd's stamp port
        mode=$1
        shift
        "$PY" "$PEER" sender --mode "$mode" --port "$SPORT" --report "$NL_TMP/sender.json" "$@" \
                >"$NL_TMP/sender.log" 2>&1 || nl_fail "scapy sender ($mode $*): $(cat "$NL_TMP/sender.log")"
}

stamp_counters() {  # SIGUSR1, then the newest "STAMP counters:" line with the echo's fields
        nl_signal_wait USR1 'STAMP counters: requests' || nl_fail "no STAMP counters line within 5 s"
        grep 'STAMP counters: received' "$NL_LOG" | tail -n 1
        grep 'STAMP counters: requests' "$NL_LOG" | tail -n 1
}

# ---- stateless: the sender's sequence numbers back, DM counters 0 -----------------------
start stateless ""
sender stateless --count 50 --ttl 37 --ssid 7
sender stateless --count 20 --ttl 255 --size 100 --dm
sender stateless --count 5 --ttl 1
nl_pass "stateless: 75 replies parsed by scapy, sizes 44 and 100 kept, sender fields, TTL 37/255/1, MBZ 0"

# ---- stateful (by reload), with and without DM -----------------------------------------
sed -i 's/mode = "stateless"/mode = "stateful"/' "$CONF"
nl_signal_wait HUP 'Reloaded configuration' || nl_fail "no reload within 5 s"
grep -q 'stamp.mode "stateless" -> "stateful"' "$NL_LOG" || nl_fail "reload diff: $(tail -n 3 "$NL_LOG")"
sender stateful --count 50 --ttl 64 --ssid 1
sender stateful --count 50 --ttl 200 --ssid 1 --dm --size 60
sender stateful --count 20 --ttl 64 --dm --size 100
lines=$(stamp_counters)
echo "$lines" | grep -q 'received 195, replied 195, dropped: loss 0' || nl_fail "counters: $lines"
nl_stop
nl_pass "stateful: reflector seq 0.. per session, DM R_RxC = R_TxC = S_TxC, 195 received and replied"

# ---- netlab-ping, seeded 20 % loss, stateful + DM, 5000 probes --------------------------
N=5000
start stateful "loss = 0.2;"
doc="$NL_TMP/ping.json"
"$PING" --stamp -q --json -c "$N" -i 0.001 -W 2 "127.0.0.1:$SPORT" >"$doc" 2>"$NL_TMP/ping.err" ||
        [ $? -eq 1 ] || nl_fail "netlab-ping exit status: $(cat "$NL_TMP/ping.err")"
lines=$(stamp_counters)
daemon=$(echo "$lines" | sed -n 's/.*dropped: loss \([0-9]*\).*/\1/p')
received=$(echo "$lines" | sed -n 's/.*STAMP counters: received \([0-9]*\),.*/\1/p')
[ "$received" -eq "$N" ] || nl_fail "netlabd received $received of $N: $lines"
"$PY" - "$doc" "$daemon" "$N" <<'PY' || nl_fail "netlab-ping vs netlabd: $(cat "$doc")"
import json, sys
d, daemon, n = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
s, p = d["loss_split"], d["probes"]
# 99.9 % binomial interval of 5000 draws at 0.2 is about 1000 +- 93.
assert 880 <= daemon <= 1120, daemon
assert d["mode"] == "stamp" and p["sent"] == n, (d["mode"], p)
assert s["available"] and s["upstream"] == 0 and s["downstream"] == 0, s
assert s["emulated"] == daemon, (s["emulated"], daemon)
assert p["received"] == n - daemon, (p["received"], n, daemon)
PY
nl_stop
nl_pass "netlab-ping --stamp, 20 % seeded loss, $N probes: emulated $daemon == netlabd's counter, upstream/downstream 0"

# ---- classroom profiles apply to STAMP sessions too --------------------------------------
# No top-level loss; a profile for 127.0.0.1 drops 30 % (seeded). A profile restricted to
# the echo's port must not apply: a STAMP socket's port is no echo port.
N=1000
start stateful "profiles = ( { name = \"lo\"; sources = [ \"127.0.0.1/32\" ]; loss = 0.3; seed = 5; },
        { name = \"echo-only\"; sources = [ \"127.0.0.0/8\" ]; ports = [ $EPORT ]; loss = 1.0; } );"
"$PING" --stamp -q --json -c "$N" -i 0.001 -W 2 "127.0.0.1:$SPORT" >"$doc" 2>"$NL_TMP/ping.err" ||
        [ $? -eq 1 ] || nl_fail "netlab-ping exit status: $(cat "$NL_TMP/ping.err")"
lines=$(stamp_counters)
daemon=$(echo "$lines" | sed -n 's/.*dropped: loss \([0-9]*\).*/\1/p')
# 99.9 % binomial interval of 1000 draws at 0.3: about 300 +- 48.
[ "$daemon" -ge 245 ] && [ "$daemon" -le 355 ] || nl_fail "profile loss on STAMP: $daemon of $N: $lines"
"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["loss_split"]["emulated"] == int(sys.argv[2]), d["loss_split"]' \
        "$doc" "$daemon" || nl_fail "netlab-ping vs netlabd: $(cat "$doc")"
nl_stop
nl_pass "profiles: 127.0.0.1's profile (30 %) drops $daemon of $N STAMP probes, an echo-port profile does not apply"

# ---- malformed input ---------------------------------------------------------------------
start stateful ""
"$PY" "$PEER" malformed --port "$SPORT" --seed 3 --count 400 --report "$NL_TMP/bad.json" \
        >"$NL_TMP/bad.log" 2>&1 || nl_fail "malformed sender: $(cat "$NL_TMP/bad.log")"
read -r sent short replies larger <<EOF
$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["sent"], d["short"], d["replies"], d["larger"])' "$NL_TMP/bad.json")
EOF
[ "$larger" -eq 0 ] || nl_fail "$larger replies larger than their request"
[ "$replies" -eq $((sent - short)) ] || nl_fail "$replies replies to $((sent - short)) datagrams of 44+ octets"
sender stateful --count 3 --dm          # still answering, and right
lines=$(stamp_counters)
echo "$lines" | grep -q "invalid $short," || nl_fail "netlabd did not count $short short datagrams: $lines"
malformed=$(echo "$lines" | sed -n 's/.*malformed TLVs \([0-9]*\).*/\1/p')
[ "$malformed" -ge 200 ] || nl_fail "only $malformed malformed TLVs counted: $lines"
nl_stop
[ "$NL_STATUS" -eq 0 ] || nl_fail "netlabd exit status $NL_STATUS"
nl_pass "malformed: $sent datagrams, $short short ones unanswered and counted, $malformed malformed TLVs counted, none answered larger"

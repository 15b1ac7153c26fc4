#!/bin/sh
# ping-final.sh — the end-of-run counters query (doc/protocol.md, "Final counters"), client
# side, against a small Python server that implements it: the last probes dropped on
# purpose are placed (0 unattributed, emulated = the server's own count), a lost query
# is retried, the server's model burst length is shown; and against a plain echo server
# nothing is asked (it sees exactly the probes). netlabd's own answer is tested once its
# echo implements the query; ping-impair.sh covers a netlabd that does not. Bounded waits.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
PORT=$(nl_free_port)

# serve MODE LOG: MODE "final" drops seq % 4 == 3 and the last two of 20 probes, ignores
# the first counters query and answers the second; MODE "plain" echoes verbatim. Writes
# "datagrams N queries Q dropped D" to LOG when it has been idle for 3 s.
serve() {
        python3 - "$PORT" "$1" "$2" <<'PY' &
import socket, struct, sys, time
port, mode, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(3.0)
open(log + ".ready", "w").close()
HDR = ">4sBBHQQQQQQQ"
received = dropped = datagrams = queries = 0
while True:
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        break
    datagrams += 1
    if mode == "plain" or len(data) < 64 or data[:4] != b"NLAB":
        s.sendto(data, peer)
        continue
    magic, ver, flags, res, sid, seq, csend, rx, tx, fr, fd = struct.unpack(HDR, data[:64])
    now = int(time.time() * 1e6)
    if flags & 0x02:                       # counters query: never counted, never impaired
        queries += 1
        if queries == 1:
            continue                       # lost on the way: the client must retry
        out = struct.pack(HDR, magic, ver, flags | 0x01 | 0x04, 0, sid, seq, csend, now, now,
                          received, dropped) + struct.pack(">I", 1500) + bytes(12) + data[80:]
        s.sendto(out, peer)
        continue
    received += 1
    if seq % 4 == 3 or seq >= 18:
        dropped += 1
        continue
    s.sendto(struct.pack(HDR, magic, ver, flags | 0x01, 0, sid, seq, csend, now, now, received,
                         dropped) + data[64:], peer)
open(log, "w").write(f"datagrams {datagrams} queries {queries} dropped {dropped}\n")
PY
        SERVER_PID=$!
        nl_track "$SERVER_PID"
        i=0
        while [ ! -e "$2.ready" ]; do
                i=$((i + 1))
                [ "$i" -lt 100 ] || nl_fail "python server did not start"
                sleep 0.05
        done
}

wait_server() {  # LOG: waits for the server to go idle and write its counts (10 s max)
        i=0
        while [ ! -s "$1" ]; do
                i=$((i + 1))
                [ "$i" -lt 200 ] || nl_fail "python server wrote no counts"
                sleep 0.05
        done
        cat "$1"
}

# ---- a server that answers: the split is complete ---------------------------------------
serve final "$NL_TMP/final.log"
"$PING" --json -c 20 -i 0.01 -W 0.3 "127.0.0.1:$PORT" >"$NL_TMP/final.json" 2>/dev/null || true
counts=$(wait_server "$NL_TMP/final.log")
python3 - "$NL_TMP/final.json" "$counts" <<'PY' || nl_fail "final counters: $counts: $(cat "$NL_TMP/final.json")"
import json, sys
d = json.load(open(sys.argv[1]))
srv = dict(zip(sys.argv[2].split()[0::2], map(int, sys.argv[2].split()[1::2])))
p, s, b = d["probes"], d["loss_split"], d["bursts"]
assert p["sent"] == 20 and p["lost"] == 6 and p["in_flight"] == 0, p
assert s["final_counters"] is True and s["available"] is True, s
assert s["unknown"] == 0 and s["emulated"] == srv["dropped"] == 6, (s, srv)
assert s["upstream"] == 0 and s["downstream"] == 0 and s["network"] == 0, s
assert srv["queries"] == 2, srv             # the first was lost, the retry answered
assert b["server_model_mean"] == 1.5 and b["count"] == 5 and b["max"] == 2, b
PY
nl_pass "counters query: the last two drops placed, emulated = the server's 6, retried once"

# the same in words (-v: the zero categories and the query line)
rm -f "$NL_TMP/final.log" "$NL_TMP/final.log.ready"
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
serve final "$NL_TMP/final.log"
"$PING" -q -v -c 20 -i 0.01 -W 0.3 "127.0.0.1:$PORT" >"$NL_TMP/final.txt" 2>/dev/null || true
grep -q '^6 lost: 6 dropped on purpose by the server, 0 on the way there, 0 on the way back, 0 late (answered after the timeout), 0 at the end, direction unknown' "$NL_TMP/final.txt" ||
        nl_fail "final counters text: $(cat "$NL_TMP/final.txt")"
grep -q '^5 loss bursts, mean length 1.20, longest 2 (the server.s loss model: mean 1.50)$' "$NL_TMP/final.txt" ||
        nl_fail "bursts text: $(cat "$NL_TMP/final.txt")"
grep -q '^server: answered the final counters query$' "$NL_TMP/final.txt" || nl_fail "query line: $(cat "$NL_TMP/final.txt")"
nl_pass "counters query in words, with -v"
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true

# ---- a plain echo: nothing is asked -------------------------------------------------------
serve plain "$NL_TMP/plain.log"
start=$(date +%s%N)
"$PING" -q -c 5 -i 0.01 "127.0.0.1:$PORT" >"$NL_TMP/plain.txt" 2>/dev/null || nl_fail "plain echo: exit $?"
ms=$((($(date +%s%N) - start) / 1000000))
counts=$(wait_server "$NL_TMP/plain.log")
[ "$counts" = "datagrams 5 queries 0 dropped 0" ] || nl_fail "plain echo saw: $counts"
[ "$ms" -lt 900 ] || nl_fail "plain echo: the run took $ms ms (waited for something?)"
grep -q '^5 packets transmitted, 5 received, 0% packet loss' "$NL_TMP/plain.txt" || nl_fail "plain: $(cat "$NL_TMP/plain.txt")"
nl_pass "plain echo: no counters query sent, the run ends at once"

# ---- netlabd answers the query ------------------------------------------------------------
wait "$SERVER_PID" 2>/dev/null || true         # the plain echo has let go of the port
CONF="$NL_TMP/final.conf"
start_netlabd() {  # start_netlabd EXTRA-ECHO-SETTINGS: a fresh daemon, so its counters are this run's
        cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; rate_limit = 0.0; $1 };
http = { enabled = false; };
CONF
        nl_start "$CONF"
}
dropped_by_daemon() {  # SIGUSR1, then the "loss N" of the newest "Echo counters:" line
        nl_signal_wait USR1 'Echo counters:' || nl_fail "no counters line within 5 s"
        grep 'Echo counters:' "$NL_LOG" | tail -n 1 | sed -n 's/.*dropped: loss \([0-9]*\).*/\1/p'
}

# Seed 6 drops probe 19 of 20 and probes 197-199 of 200 (checked below), so without the
# query the last losses would be unattributed.
for n in 20 200; do
        start_netlabd "seed = 6; loss = 0.25;"
        "$PING" --json-lines -c "$n" -i 0.002 -W 0.3 "127.0.0.1:$PORT" >"$NL_TMP/nl$n.json" 2>/dev/null || true
        daemon=$(dropped_by_daemon)
        python3 - "$NL_TMP/nl$n.json" "$daemon" "$n" <<'PY' || nl_fail "netlabd $n probes: daemon $daemon: $(tail -n 1 "$NL_TMP/nl$n.json")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
daemon, n = int(sys.argv[2]), int(sys.argv[3])
d = recs[-1]
p, s, b = d["probes"], d["loss_split"], d["bursts"]
lost = {r["seq"] for r in recs if r["type"] == "probe" and r["result"] == "timeout"}
assert n - 1 in lost, ("seed 6 no longer drops the last probe: pick another seed", sorted(lost)[-5:])
assert p["sent"] == n and p["in_flight"] == 0 and p["lost"] == len(lost), p
assert s["final_counters"] is True and s["unknown"] == 0, s
assert s["emulated"] == daemon == p["lost"], (s, daemon)
assert s["upstream"] == 0 and s["downstream"] == 0 and s["late"] == 0, s
assert b["server_model_mean"] == 1.333, b      # 1 / (1 - 0.25), in thousandths
PY
        nl_pass "netlabd, loss 0.25, $n probes, the last dropped: 0 unattributed, emulated = dropped{loss} = $daemon"
        nl_stop
done

# The query on the wire: answered with the flow's counts and FINAL, as long as asked, not
# counted (a probe after it sees the same counters), never impaired (loss 1: every probe
# is dropped, every query answered); a flow the server does not know gets zeros; and a
# burst of queries from one address is cut by its own bucket (20), apart from rate_limit.
start_netlabd "loss = 1.0;"
python3 - "$PORT" <<'PY' || nl_fail "counters query on the wire"
import socket, struct, sys
HDR = ">4sBBHQQQQQQQ"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.5)
def pkt(flags, sid, seq, size=80):
    return struct.pack(HDR, b"NLAB", 1, flags, 0, sid, seq, 0, 0, 0, 0, 0) + bytes(size - 64)
def query(sid, seq, size=80):
    s.send(pkt(0x02, sid, seq, size))
    r = s.recv(70000)
    f = struct.unpack(HDR, r[:64])
    return r, f
for seq in range(5):                         # five probes, all dropped by loss 1
    s.send(pkt(0, 42, seq, 64))
try:
    r = s.recv(70000)
    raise SystemExit("loss 1 answered a probe: %r" % r[:16])
except socket.timeout:
    pass
r, f = query(42, 5, 100)
assert len(r) == 100, len(r)                 # no larger than the query
assert f[2] == 0x02 | 0x01 | 0x04, hex(f[2])  # COUNTERS stays, REPLY and FINAL set
assert (f[9], f[10]) == (5, 5), f            # received 5, dropped 5: the query not counted
assert r[64:80] == b"\xff" * 4 + bytes(12), r[64:80]   # loss 1: bursts never end (saturated)
r, f = query(42, 5)
assert (f[9], f[10]) == (5, 5), f            # asking again changes nothing
r, f = query(7, 0)
assert (f[9], f[10]) == (0, 0) and f[2] & 0x04, f   # an unknown flow
answered = 0
for i in range(60):
    s.send(pkt(0x02, 42, 5))
s.settimeout(0.3)
try:
    while True:
        s.recv(70000)
        answered += 1
except socket.timeout:
    pass
assert 17 <= answered <= 19, answered        # 20 a burst, minus the 3 above (+ refill at 10/s)
print("answered", answered)
PY
nl_pass "counters query: FINAL, no larger than asked, not counted, not impaired, own rate limit"
nl_stop

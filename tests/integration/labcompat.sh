#!/bin/sh
# labcompat.sh — echo.lab_compat, the textbook labs' servers (netlab.conf(5)): "uppercase"
# answers a Kurose & Ross UDP Pinger client's "Ping 1 <time>" byte for byte with
# "PING 1 <TIME>", as long as the request; "timestamp" prefixes the server's ms clock;
# "off" echoes verbatim; the old booleans still load (true = timestamp, false = off);
# probes stay binary and netlab-ping gets its full split in every mode. And netlab-ping
# against stand-ins of the two original servers (Python, as the labs ship them): it
# works and says once that it is talking to a plain echo. Bounded waits.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
PORT=$(nl_free_port)
CONF="$NL_TMP/lab.conf"

write_conf() {  # write_conf LAB_COMPAT-VALUE
        cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; rate_limit = 0.0; loss = 0.2; seed = 5; lab_compat = $1; };
http = { enabled = false; };
CONF
}

client() {  # client MODE: a K&R-style client; MODE is what the server should answer
        python3 - "$PORT" "$1" <<'PY'
import socket, struct, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
dest = ("127.0.0.1", port)
def ask(msg):
    # the lab's server drops some on purpose: ask until answered (loss 0.2, 20 tries)
    for _ in range(20):
        s.sendto(msg, dest)
        try:
            return s.recv(70000)
        except socket.timeout:
            pass
    raise SystemExit("no answer to %r" % msg)
msg = ("Ping 1 %s" % time.asctime()).encode()
r = ask(msg)
if mode == "uppercase":
    want = msg.upper()
    assert r == want and len(r) == len(msg), (r, want)
    u = "Ping 2 caf\u00e9 \u20ac <x@y>".encode()
    r = ask(u)
    assert r == u.upper() == b"PING 2 CAF\xc3\xa9 \xe2\x82\xac <X@Y>", r    # ASCII only
elif mode == "timestamp":
    ms, _, rest = r.partition(b" ")
    assert rest == msg and ms.isdigit() and abs(int(ms) / 1000 - time.time()) < 60, r
else:
    assert r == msg, r
# a netlab probe is still answered in binary, stamped, as long as asked
hdr = struct.pack(">4sBBHQQQQQQQ", b"NLAB", 1, 0, 0, 0x6161616161616161, 0, 0, 0, 0, 0, 0)
r = ask(hdr + b"padding")
assert len(r) == 71 and r[5] & 0x01 and r[8:16] == b"a" * 8 and r[64:] == b"padding", r
print(mode, "ok")
PY
}

ping_full() {  # netlab-ping against netlabd: stamps, final counters, no plain-echo notice
        "$PING" --json -c 20 -i 0.005 -W 0.3 "127.0.0.1:$PORT" >"$NL_TMP/ping.json" 2>"$NL_TMP/ping.err" || true
        python3 - "$NL_TMP/ping.json" <<'PY' || nl_fail "netlab-ping with lab_compat $1: $(cat "$NL_TMP/ping.json")"
import json, sys
d = json.load(open(sys.argv[1]))
p, s = d["probes"], d["loss_split"]
assert p["sent"] == 20 and p["received"] + p["lost"] == 20, p
assert d["server"]["stamps"] and d["server"]["unstamped_replies"] == 0, d["server"]
assert s["final_counters"] and s["unknown"] == 0 and s["emulated"] == p["lost"], s
PY
        grep -q 'plain echo' "$NL_TMP/ping.err" && nl_fail "lab_compat $1: netlab-ping took netlabd for a plain echo"
        return 0
}

for mode in off timestamp uppercase; do
        write_conf "\"$mode\""
        nl_start "$CONF"
        out=$(client "$mode") || nl_fail "lab_compat \"$mode\": $out"
        ping_full "$mode"
        nl_pass "lab_compat = \"$mode\": the lab client's answer byte for byte; netlab-ping gets its full split"
        nl_stop
done

# the old boolean, at start and on reload
write_conf true
nl_start "$CONF"
out=$(client timestamp) || nl_fail "lab_compat = true: $out"
sed -i 's/lab_compat = true/lab_compat = false/' "$CONF"
nl_signal_wait HUP 'Reloaded' || nl_fail "no reload line"
grep -q 'echo.lab_compat "timestamp" -> "off"' "$NL_LOG" || nl_fail "reload diff: $(grep Reloaded "$NL_LOG")"
out=$(client off) || nl_fail "lab_compat = false: $out"
nl_pass "lab_compat = true / false still load: timestamp / off, and the reload says what changed"
nl_stop

# ---- the textbook servers themselves: netlab-ping works, says "plain echo" once ------------
# stand-in MODE: "kr" is Kurose & Ross's UDPPingerServer.py (message.upper(), and its
# "30%" loss: random.randint(0, 10) < 4, i.e. 4/11; seeded), "origin" the lab this
# project came from ("<ms> <message>"). Exits when idle for 3 s.
standin() {
        python3 - "$PORT" "$1" "$NL_TMP/standin.ready" <<'PY' &
import random, socket, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
random.seed(11)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(3.0)
open(sys.argv[3], "w").close()
while True:
    try:
        message, address = s.recvfrom(1024)
    except socket.timeout:
        break
    if mode == "kr":
        message = message.upper()
        rand = random.randint(0, 10)
        if rand < 4:
            continue
    else:
        message = b"%d " % int(time.time() * 1000) + message
    s.sendto(message, address)
PY
        STANDIN_PID=$!
        nl_track "$STANDIN_PID"
        i=0
        while [ ! -e "$NL_TMP/standin.ready" ]; do
                i=$((i + 1))
                [ "$i" -lt 100 ] || nl_fail "stand-in server did not start"
                sleep 0.05
        done
}

for server in kr origin; do
        rm -f "$NL_TMP/standin.ready"
        standin "$server"
        "$PING" --json -c 40 -i 0.005 -W 0.3 "127.0.0.1:$PORT" >"$NL_TMP/s.json" 2>"$NL_TMP/s.err" || true
        python3 - "$NL_TMP/s.json" "$server" <<'PY' || nl_fail "$server stand-in: $(cat "$NL_TMP/s.json")"
import json, sys
d = json.load(open(sys.argv[1]))
p, srv = d["probes"], d["server"]
assert p["sent"] == 40 and p["received"] + p["lost"] == 40 and p["duplicates"] == 0, p
assert not srv["stamps"] and srv["unstamped_replies"] == p["received"], srv
if sys.argv[2] == "kr":
    # 4/11 lost: 40 probes, exact binomial 99.9% bounds for p = 4/11 are 5..25
    assert 5 <= p["lost"] <= 25, p
else:
    assert p["lost"] == 0, p
PY
        [ "$(grep -c 'plain echo' "$NL_TMP/s.err")" = 1 ] || nl_fail "$server: want one plain-echo notice: $(cat "$NL_TMP/s.err")"
        kill "$STANDIN_PID" 2>/dev/null || true
        wait "$STANDIN_PID" 2>/dev/null || true
        nl_pass "netlab-ping against the $server lab server: works, one plain-echo notice"
done

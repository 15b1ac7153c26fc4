#!/bin/sh
# echo.sh — the UDP echo service against the real netlabd on loopback: verbatim echo
# (RFC 862) of arbitrary bytes up to 65507, netlab probe replies (stamps, per-flow
# received/dropped counts that match the daemon's own counters, reply never larger than
# its request), loss 0 and loss 0.3 within the 99.9% binomial interval, delay,
# duplicates, reordering, low source ports, the rate limit, and live reload of `loss`
# on the same socket. The client side is python3; every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init --alone

PORT=$(nl_free_port)
CONF="$NL_TMP/echo.conf"
CLIENT="$NL_TMP/client.py"

write_conf() {  # write_conf EXTRA-ECHO-SETTINGS (the budgets off unless they set one)
        case $1 in
        *rate_limit*) extra=$1 ;;
        *) extra="rate_limit = 0.0; rate_limit_plain = 0.0; rate_limit_bytes = 0.0; $1" ;;
        esac
        cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT", "[::1]:$PORT"]; seed = 1; $extra };
http = { enabled = false; };
CONF
}

reload() {  # reload EXTRA-ECHO-SETTINGS: rewrite the file, SIGHUP, wait for the log line
        write_conf "$1"
        nl_signal_wait HUP 'Reloaded configuration' || nl_fail "reload not logged within 5 s"
}

counters() {  # counters: SIGUSR1, then print the newest "Echo counters:" line
        nl_signal_wait USR1 'Echo counters:' || nl_fail "SIGUSR1 did not log the counters within 5 s"
        grep 'Echo counters:' "$NL_LOG" | tail -n 1
}

counter() {  # counter LINE NAME: the number after NAME in a counters line
        echo "$1" | sed -n "s/.*[ (]$2 \([0-9][0-9]*\).*/\1/p"
}

cat >"$CLIENT" <<'PY'
import os, random, socket, struct, sys, time

HDR = struct.Struct(">4sBBHQQQQQQQ")    # doc/protocol.md, 64 bytes
MAGIC, VERSION, FLAG_REPLY = b"NLAB", 1, 1
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = sys.argv[4:]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
dest = (host, port)

def sock(timeout=1.0):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.settimeout(timeout)
    return s

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

def probe(session, seq, size=64):
    h = HDR.pack(MAGIC, VERSION, 0, 0, session, seq, time.time_ns() // 1000, 0, 0, 0, 0)
    return h + bytes((seq + i) & 0xFF for i in range(size - len(h)))

def drain(s, quiet):
    """Replies until none arrives for `quiet` seconds."""
    out = []
    s.settimeout(quiet)
    while True:
        try:
            out.append(s.recv(70000))
        except socket.timeout:
            return out

if mode == "verbatim":
    s = sock()
    rnd = random.Random(4)
    cases = [b"", b"\0", b"x", b"\0" * 7 + b"\xff", b"hello\r\n", b"NLAB", b"NLAB\x02" + b"\0" * 59,
             bytes(rnd.getrandbits(8) for _ in range(1472)), b"z" * 9000, bytes(range(256)) * 255 + b"w" * (65507 - 65280)]
    cases += [bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(1, 3000))) for _ in range(50)]
    assert len(cases[9]) == 65507
    for c in cases:
        s.sendto(c, dest)
        try:
            r = s.recv(70000)
        except socket.timeout:
            fail("no reply to a %d-byte datagram" % len(c))
        if r != c:
            fail("%d-byte datagram came back as %d different bytes" % (len(c), len(r)))
    print("verbatim ok: %d datagrams, 0..65507 bytes" % len(cases))

elif mode == "probes":
    # probes N SIZE: N probes in windows of 32; checks every reply and prints the split.
    n, size = int(args[0]), int(args[1])
    s = sock()
    session = random.getrandbits(64)
    got = {}
    sizes = {}
    replies = []
    for base in range(0, n, 32):
        for seq in range(base, min(n, base + 32)):
            p = probe(session, seq, size + (seq % 3))
            sizes[seq] = len(p)
            s.sendto(p, dest)
        replies += drain(s, 0.02)
    replies += drain(s, 0.5)        # stragglers on a loaded machine
    for r in replies:
        f = HDR.unpack(r[:64])
        if f[0] != MAGIC or f[1] != VERSION or not (f[2] & FLAG_REPLY):
            fail("reply header %r" % (f,))
        seq = f[5]
        if f[4] != session or seq >= n:
            fail("reply to someone else: %r" % (f,))
        if len(r) != sizes[seq]:
            fail("reply of %d bytes to a %d-byte probe" % (len(r), sizes[seq]))
        if r[64:] != probe(session, seq, sizes[seq])[64:]:
            fail("padding of probe %d changed" % seq)
        if f[7] == 0 or f[8] < f[7] or abs(f[8] / 1e6 - time.time()) > 60:
            fail("server stamps rx=%d tx=%d" % (f[7], f[8]))
        if seq in got:
            fail("duplicate reply to %d" % seq)
        got[seq] = (f[9], f[10])
    # No loss on loopback: probes up to `seq` that did not come back were dropped on
    # purpose, and the reply to `seq` says exactly that.
    seen = 0
    for seq in range(n):
        if seq in got:
            seen += 1
            rx, dropped = got[seq]
            if rx != seq + 1:
                fail("probe %d: flow_received %d, want %d" % (seq, rx, seq + 1))
            if dropped != seq + 1 - seen:
                fail("probe %d: flow_dropped %d, want %d" % (seq, dropped, seq + 1 - seen))
    print("sent %d replies %d lost %d" % (n, len(got), n - len(got)))

elif mode == "delay":
    # delay N: prints min and max RTT in ms of N probes sent one by one
    s = sock(2.0)
    session = random.getrandbits(64)
    rtts = []
    for seq in range(int(args[0])):
        t0 = time.monotonic()
        s.sendto(probe(session, seq), dest)
        s.recv(70000)
        rtts.append((time.monotonic() - t0) * 1000)
    print("min %.3f max %.3f" % (min(rtts), max(rtts)))

elif mode == "count":
    # count N: sends N probes in windows of 16, prints replies and reorderings seen
    n = int(args[0])
    s = sock()
    session = random.getrandbits(64)
    replies, late, last = 0, 0, -1
    for base in range(0, n, 16):
        for seq in range(base, min(n, base + 16)):
            s.sendto(probe(session, seq), dest)
            time.sleep(0.0002)
        for r in drain(s, 0.3 if base + 16 >= n else 0.02):
            seq = HDR.unpack(r[:64])[5]
            replies += 1
            if seq < last:
                late += 1
            last = max(last, seq)
    print("replies %d late %d" % (replies, late))

elif mode == "flood":
    # flood N: N datagrams back to back from one socket; prints replies and elapsed s
    n = int(args[0])
    s = sock()
    t0 = time.monotonic()
    replies = 0
    for i in range(n):
        s.sendto(b"flood %d" % i, dest)
        if i % 50 == 49:
            replies += len(drain(s, 0.0005))
    elapsed = time.monotonic() - t0
    replies += len(drain(s, 0.2))
    print("replies %d elapsed %.3f" % (replies, elapsed))

elif mode == "lab":
    # lab: lab_compat replies are "<ms> <request>"
    s = sock()
    s.sendto(b"ping 1 hello", dest)
    r = s.recv(70000)
    ms, _, rest = r.partition(b" ")
    if rest != b"ping 1 hello" or not ms.isdigit() or abs(int(ms) / 1000 - time.time()) > 60:
        fail("lab_compat reply %r" % r)
    s.sendto(probe(7, 0), dest)
    r = s.recv(70000)
    if len(r) != 64 or not (HDR.unpack(r[:64])[2] & FLAG_REPLY):
        fail("lab_compat must still answer probes in binary: %r" % r[:16])
    print("lab ok")

elif mode == "loop":
    # loop: a probe that already carries REPLY is never answered
    s = sock(0.3)
    p = bytearray(probe(9, 0))
    p[5] = FLAG_REPLY
    s.sendto(bytes(p), dest)
    try:
        s.recv(100)
        fail("answered a reply")
    except socket.timeout:
        print("not answered")

elif mode == "sessions":
    # sessions N: one probe from each of N sessions (windows of 64), prints replies
    s = sock()
    replies = 0
    for base in range(1, int(args[0]) + 1, 64):
        for sid in range(base, min(int(args[0]) + 1, base + 64)):
            s.sendto(probe(sid, 0), dest)
        replies += len(drain(s, 0.01))
    replies += len(drain(s, 0.1))
    print("replies %d" % replies)

elif mode == "burst":
    # burst: 20 bursts of 64 equal-sized datagrams (the server sends such runs as UDP GSO
    # messages); every one must come back intact and separate
    s = sock()
    rnd = random.Random(5)
    for b in range(20):
        sent = {bytes(rnd.getrandbits(8) for _ in range(200)) for _ in range(64)}
        for d in sent:
            s.sendto(d, dest)
        got = drain(s, 0.3)
        if len(got) != 64 or set(got) != sent:
            fail("burst %d: %d replies, %d intact" % (b, len(got), len(set(got) & sent)))
    print("bursts ok")

elif mode == "lowport":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", int(args[0])))
    except (PermissionError, OSError) as e:
        print("skip: cannot bind a low port (%s)" % e.strerror)
        sys.exit(0)
    s.settimeout(0.5)
    s.sendto(b"from a low port", dest)
    try:
        s.recv(100)
        fail("a reply went to low port %s" % args[0])
    except socket.timeout:
        print("refused")
else:
    fail("unknown mode " + mode)
PY

run() {  # run MODE [ARGS]: the client against 127.0.0.1; fails the test if it fails
        mode=$1
        shift
        if ! out_=$(timeout 50 python3 "$CLIENT" "$mode" 127.0.0.1 "$PORT" "$@" 2>&1); then
                echo "client $mode: $out_" >&2
                return 1
        fi
        echo "$out_"
}

# ---- loss 0.3: rate within the 99.9% interval, per-flow counts match the daemon -------
write_conf "loss = 0.3;"
nl_start "$CONF"
out=$(timeout 50 python3 "$CLIENT" probes 127.0.0.1 "$PORT" 6000 64) || nl_fail "probes: $out"
lost=$(echo "$out" | sed -n 's/.*lost \([0-9]*\).*/\1/p')
# 6000 draws at p = 0.3: 1800 +- 3.29 * sqrt(6000 * 0.3 * 0.7) = 1800 +- 117
[ "$lost" -ge 1683 ] && [ "$lost" -le 1917 ] || nl_fail "loss 0.3: $lost of 6000 lost, want 1683..1917"
line=$(counters)
[ "$(counter "$line" loss)" = "$lost" ] ||
        nl_fail "daemon dropped $(counter "$line" loss), client saw $lost lost: $line"
[ "$(counter "$line" flows)" = 1 ] || nl_fail "one client, one flow: $line"
nl_pass "loss 0.3: $lost/6000 lost; flow_received/flow_dropped match the daemon's count"
nl_stop

# ---- loss 0 on the same port again (v4 and v6), verbatim echo, bad input --------------
write_conf "loss = 0.0;"
nl_start "$CONF"
run verbatim >/dev/null
nl_pass "verbatim echo of 60 datagrams, 0..65507 bytes incl. NUL and random bytes"
run burst >/dev/null
nl_pass "bursts of 64 equal-sized datagrams come back intact, one reply each"
out=$(run probes 3000 100)
echo "$out" | grep -q "replies 3000 lost 0" || nl_fail "loss 0: $out"
out=$(timeout 20 python3 "$CLIENT" probes ::1 "$PORT" 500 64) || nl_fail "IPv6: $out"
echo "$out" | grep -q "replies 500 lost 0" || nl_fail "loss 0 over IPv6: $out"
nl_pass "loss 0: every probe answered (IPv4 and IPv6), replies never larger than requests"

# Random bytes from many sources, a datagram of 65508 bytes (over max_payload once
# lowered), zero-length datagrams: it keeps serving.
reload "loss = 0.0; max_payload = 1000;"
python3 - "$PORT" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"y" * 1001, ("127.0.0.1", int(sys.argv[1])))
for i in range(300):
    s.sendto(os.urandom(i * 7 % 1400), ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.0005)      # a slow (sanitizer) build must not overflow its socket buffer
PY
sleep 0.3
line=$(counters)
[ "$(counter "$line" big)" -ge 1 ] || nl_fail "a datagram over max_payload was not counted: $line"
reload "loss = 0.0;"
run verbatim >/dev/null
nl_pass "junk and oversized datagrams: counted, still serving"

# ---- low source port -------------------------------------------------------------------
out=$(run lowport 1023)
case $out in
skip*) nl_pass "low source port: $out" ;;
refused)
        line=$(counters)
        [ "$(counter "$line" port)" -ge 1 ] || nl_fail "low port refusal not counted: $line"
        nl_pass "low source port 1023 refused and counted" ;;
*) nl_fail "low port: $out" ;;
esac

# ---- live reload of loss on the same socket ---------------------------------------------
reload "loss = 1.0;"
out=$(run probes 200 64)
echo "$out" | grep -q "replies 0 lost 200" || nl_fail "after reload to loss 1: $out"
reload "loss = 0.0;"
out=$(run probes 200 64)
echo "$out" | grep -q "replies 200 lost 0" || nl_fail "after reload back to loss 0: $out"
grep -q "Listening on 127.0.0.1:$PORT" "$NL_LOG" || nl_fail "no listen line"
[ "$(grep -c "Listening on 127.0.0.1:$PORT" "$NL_LOG")" = 1 ] || nl_fail "the socket was reopened on reload"
nl_pass "reload: loss 0 -> 1 -> 0 takes effect on the same socket"

# ---- lab-compatibility text, echo-loop protection, flow table cap ----------------------
reload "lab_compat = true;"
run lab >/dev/null
nl_pass "lab_compat: '<ms> <request>' text replies, probes still binary"
reload "loss = 0.0;"
run loop >/dev/null
line=$(counters)
[ "$(counter "$line" self)" -ge 1 ] || nl_fail "a looping reply was not counted: $line"
nl_pass "a probe already marked REPLY is not answered (no echo loops between servers)"

reload "max_flows = 100;"
out=$(run sessions 500)
echo "$out" | grep -q "replies 500" || nl_fail "flow table cap: $out"
line=$(counters)
[ "$(counter "$line" flows)" = 100 ] || nl_fail "max_flows = 100: $line"
nl_pass "500 sessions with max_flows = 100: all answered, 100 flows kept"
reload "loss = 0.0;"

# ---- delay, duplicate, reorder ------------------------------------------------------------
reload "delay = 30; jitter = 0;"
out=$(run delay 10)
min=$(echo "$out" | sed -n 's/min \([0-9]*\).*/\1/p')
[ "$min" -ge 30 ] && [ "$min" -lt 200 ] || nl_fail "delay 30 ms: RTT $out"
nl_pass "delay 30 ms: RTT $out ms"

reload "duplicate = 1.0;"
out=$(run count 200)
echo "$out" | grep -q "replies 400 " || nl_fail "duplicate 1.0: $out"
nl_pass "duplicate 1.0: every probe answered twice"

reload "reorder = 0.2; reorder_gap = 2;"
out=$(run count 400)
replies=$(echo "$out" | sed -n 's/replies \([0-9]*\).*/\1/p')
late=$(echo "$out" | sed -n 's/.*late \([0-9]*\).*/\1/p')
[ "$replies" = 400 ] || nl_fail "reorder lost replies: $out"
[ "$late" -ge 20 ] || nl_fail "reorder 0.2: only $late late replies: $out"
line=$(counters)
[ "$(counter "$line" reordered)" -ge "$late" ] || nl_fail "reordered counter below what the client saw: $line"
nl_pass "reorder 0.2: $late of 400 replies overtaken, none lost"

# ---- rate limit --------------------------------------------------------------------------
reload "rate_limit = 200.0; rate_burst = 20;"
out=$(run flood 2000)
replies=$(echo "$out" | sed -n 's/replies \([0-9]*\).*/\1/p')
elapsed=$(echo "$out" | sed -n 's/.*elapsed \([0-9.]*\).*/\1/p')
max=$(awk -v t="$elapsed" 'BEGIN { printf "%d", 20 + 200 * (t + 0.2) + 1 }')
[ "$replies" -le "$max" ] && [ "$replies" -ge 20 ] || nl_fail "rate 200/s burst 20: $out (max $max)"
line=$(counters)
[ "$(counter "$line" limit)" -ge $((2000 - max)) ] || nl_fail "rate-limited drops not counted: $line"
nl_pass "rate limit 200/s burst 20: $replies of 2000 answered in ${elapsed}s (<= $max)"

# A flood from one source (127.0.0.1) does not starve another (::1): the bucket is
# per source address.
timeout 50 python3 "$CLIENT" flood 127.0.0.1 "$PORT" 20000 >/dev/null 2>&1 &
flood_pid=$!
nl_track "$flood_pid"
out=$(timeout 50 python3 "$CLIENT" delay ::1 "$PORT" 15) || nl_fail "other source during a flood: $out"
wait "$flood_pid" || true
nl_pass "during a flood from 127.0.0.1 every probe from ::1 was answered ($out ms)"

# ... nor another client on the same address (another port of 127.0.0.1: a second
# program on the host, or a second student behind the same NAT): the flooding port drains
# the address's bucket, the other ports draw on their own reserve.
limited=$(counter "$(counters)" limit)
timeout 50 python3 "$CLIENT" flood 127.0.0.1 "$PORT" 100000 >/dev/null 2>&1 &
flood_pid=$!
nl_track "$flood_pid"
sleep 0.2
out=$(timeout 50 python3 "$CLIENT" delay 127.0.0.1 "$PORT" 15) || nl_fail "same address during a flood: $out"
kill -0 "$flood_pid" 2>/dev/null || nl_fail "the flood ended before the other client was measured"
kill "$flood_pid" 2>/dev/null || true
wait "$flood_pid" || true
line=$(counters)
[ "$(counter "$line" limit)" -ge $((limited + 1000)) ] || nl_fail "the flood was not rate-limited: $line"
nl_pass "during a flood from 127.0.0.1 every probe from another port of 127.0.0.1 was answered ($out ms)"

# ---- a full flow table ------------------------------------------------------------------
# One-off session ids (a flood, or a client restarting) fill the table; the flow of a
# client that keeps probing keeps its counters: flow_received never starts again from 1.
reload "max_flows = 64;"
python3 - "$PORT" <<'PY' || nl_fail "a flow in use was evicted by one-off flows"
import random, socket, struct, sys
port = int(sys.argv[1])
def probe(session, seq):
    return b"NLAB\x01\x00\x00\x00" + struct.pack(">QQQQQQQ", session, seq, 0, 0, 0, 0, 0)
client, flood = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
client.settimeout(2.0)
flood.settimeout(2.0)
rng = random.Random(1)
for seq in range(20):
    client.sendto(probe(7, seq), ("127.0.0.1", port))
    received = struct.unpack(">Q", client.recv(2000)[48:56])[0]
    if received != seq + 1:
        sys.exit("probe %d: flow_received %d, want %d" % (seq, received, seq + 1))
    if seq == 0:
        continue                        # a flow seen once is the first to be recycled
    for _ in range(100):                # 100 new flows per probe: the table holds 64
        flood.sendto(probe(rng.getrandbits(64), 0), ("127.0.0.1", port))
        flood.recv(2000)
PY
line=$(counters)
echo "$line" | grep -Eq 'flows 64([,;]|$)' || nl_fail "flow table not at its cap: $line"
nl_pass "max_flows 64: 1900 one-off flows recycled each other, the client's flow kept its counts"

nl_stop
[ "$NL_STATUS" = 0 ] || nl_fail "netlabd exited with $NL_STATUS"
nl_pass "clean stop"

#!/bin/sh
# echo-amplify.sh — no impairment amplifies (issue 12): every impairment at its maximum
# (duplicate 1, reorder 1, lab_compat on, delay and jitter) and the default per-source
# budgets; a seeded run of 100 000 random datagrams (0-1472 bytes, random bytes, one
# source paced under rate_limit, so before issue 12 every datagram came back twice)
# must get back no more bytes than it sent, read from /metrics once the counters stop
# moving. Also: a lab_compat reply is never longer than max_payload.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

PORT=$(nl_free_port)
CONF="$NL_TMP/amp.conf"
cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; seed = 1; duplicate = 1.0; reorder = 1.0; reorder_gap = 3;
         lab_compat = true; delay = 2; jitter = 1; max_payload = 1400; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$top_srcdir/www"; access_log = false; };
CONF
nl_start "$CONF"

metric() {  # metric NAME: the echo service's value in a fresh scrape of /metrics
        curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v n="$1{service=\"echo\"}" '$1 == n { print $2 }'
}

# settled: waits until bytes out stop moving (the delay queue and reorder holds drain)
settled() {
        prev=-1
        i=0
        while [ "$i" -lt 50 ]; do
                cur=$(metric netlab_echo_sent_bytes_total)
                [ "$cur" = "$prev" ] && return 0
                prev=$cur
                sleep 0.3
                i=$((i + 1))
        done
        nl_fail "bytes out still moving after 15 s"
}

python3 - "$PORT" <<'PY'
import random, socket, sys, time
port = int(sys.argv[1])
rnd = random.Random(12)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
s.setblocking(False)
sent = got = 0
t0 = time.monotonic()
for i in range(100000):
    n = rnd.randrange(0, 1473)
    d = rnd.randbytes(n)
    s.sendto(d, ("127.0.0.1", port))
    sent += n
    if i % 50 == 49:
        # about 8000/s: below rate_limit's 10000/s, so only paying per reply limits it
        while time.monotonic() < t0 + (i + 1) / 8000:
            try:
                got += len(s.recv(65536))
            except BlockingIOError:
                time.sleep(0.001)
print("client: sent %d bytes in %.1f s, read %d back" % (sent, time.monotonic() - t0, got))
PY
settled
in=$(metric netlab_echo_received_bytes_total)
out=$(metric netlab_echo_sent_bytes_total)
rx=$(metric netlab_echo_received_total)
dup=$(metric netlab_echo_duplicated_total)
# a loaded machine may lose some to netlabd's socket buffer; netlabd's own counts compare
[ "$rx" -ge 50000 ] || nl_fail "netlabd received only $rx of 100000 datagrams"
[ "$out" -gt 0 ] || nl_fail "nothing was answered"
[ "$out" -le "$in" ] || nl_fail "bytes out $out > bytes in $in (duplicated $dup)"
nl_pass "$rx datagrams at duplicate 1, reorder 1, lab_compat: $in bytes in, $out out ($dup duplicated)"

# lab_compat cuts a reply to max_payload (1400), the timestamp included
python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2.0)
for n in (1380, 1390, 1400):
    s.sendto(b"x" * n, ("127.0.0.1", int(sys.argv[1])))
    r = s.recv(65536)
    if len(r) > 1400 or not r.split(b" ", 1)[0].isdigit():
        print("FAIL: lab_compat reply of %d bytes to %d" % (len(r), n))
        sys.exit(1)
    s.recv(65536)                   # the duplicate
print("ok: lab_compat replies to 1380..1400 bytes are at most max_payload")
PY

#!/bin/bash
# http-abuse.sh — one source must not take every HTTP connection (issue 12 part 2).
# 127.0.0.2 tries to hold three times http.max_connections_per_source connections (slow
# headers, slow readers, idle keep-alive) while 127.0.0.3 asks for a page every second
# for 15 s and must get its 200 within 1 s each time; a reader that keeps the response
# moving but below http.min_send_rate is closed (timeouts{kind="lifetime"}); at the
# global cap the oldest idle keep-alive connection makes room for a new client; every
# refusal and timeout is in /metrics by reason and kind, and promtool accepts it.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PORT=$(nl_free_port)
ROOT=$NL_TMP/www
mkdir -p "$ROOT"
printf '0123456789abcdefghij' >"$ROOT/digits.txt"
head -c $((32 * 1024 * 1024)) /dev/zero >"$ROOT/large.bin"

cat >"$NL_TMP/abuse.conf" <<CONF
echo = { enabled = false; };
http = {
        listen = ["127.0.0.1:$PORT"];
        root = "$ROOT";
        access_log = false;
        max_connections = 16;
        max_connections_per_source = 8;
        header_timeout = 3.0;
        keepalive_timeout = 60.0;
        send_timeout = 2.0;
        min_send_rate = 4194304;
};
CONF
nl_start "$NL_TMP/abuse.conf"

python3 - "$PORT" <<'PY' || nl_fail "one source holding its connections (see above)"
import socket, sys, threading, time

port = int(sys.argv[1])
PER_SOURCE = 8
stop = threading.Event()

def connect(src, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s

def read_response(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("closed after %r" % buf[:60])
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    n = 0
    for l in head.split(b"\r\n")[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            raise EOFError("short body")
        body += d
    return int(head.split()[1]), body

def alive(s):
    """False once the server closed the connection."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)

def slow_headers():
    s = connect("127.0.0.2")
    s.sendall(b"GET /digits.txt HTTP/1.1\r\nHost: a\r\n")
    while not stop.is_set() and alive(s):
        s.sendall(b"X")             # a byte every half second: never a complete head
        time.sleep(0.5)
    return s

def slow_reader():
    s = connect("127.0.0.2", rcvbuf=4096)
    s.sendall(b"GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    while not stop.is_set() and alive(s):
        s.recv(1)
        time.sleep(0.5)
    return s

def idle_keepalive():
    s = connect("127.0.0.2")
    s.sendall(b"GET /digits.txt HTTP/1.1\r\nHost: a\r\n\r\n")
    read_response(s)
    while not stop.is_set() and alive(s):
        time.sleep(0.2)
    return s

def attacker(kind):
    """Keeps PER_SOURCE connections of one kind open, reconnecting when one is closed."""
    def one():
        while not stop.is_set():
            try:
                s = kind()
                s.close()
            except OSError:
                pass
            time.sleep(0.1)
    ts = [threading.Thread(target=one, daemon=True) for _ in range(PER_SOURCE)]
    for t in ts:
        t.start()
    return ts

threads = []
for kind in (slow_headers, slow_reader, idle_keepalive):
    threads += attacker(kind)
time.sleep(1.0)

# A reader that keeps the response moving (8 KiB every 0.25 s: progress well within
# send_timeout) but far below min_send_rate: closed at send_timeout + size / rate
# (2 s + 8 s here), long before the 32 MiB are through.
lifetime = {}
def lifetime_reader():
    s = connect("127.0.0.4", rcvbuf=16384)
    s.sendall(b"GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    t0, got = time.monotonic(), 0
    s.settimeout(3)
    try:
        while time.monotonic() - t0 < 20:
            d = s.recv(8192)
            if not d:
                break
            got += len(d)
            time.sleep(0.25)
    except OSError:
        pass
    lifetime["elapsed"], lifetime["bytes"] = time.monotonic() - t0, got
lt = threading.Thread(target=lifetime_reader)
lt.start()

late = []
for i in range(15):
    t0 = time.monotonic()
    try:
        s = connect("127.0.0.3")
        s.settimeout(1.0)
        s.sendall(b"GET /digits.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        st, body = read_response(s)
        s.close()
        dt = time.monotonic() - t0
        if st != 200 or body != b"0123456789abcdefghij" or dt > 1.0:
            late.append((i, st, round(dt, 3)))
    except (OSError, EOFError) as e:
        late.append((i, str(e)[:40]))
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))

stop.set()
lt.join()
if late:
    print("FAIL: 127.0.0.3 was not served within 1 s while 127.0.0.2 held its connections: %r" % late)
    sys.exit(1)
print("ok: 127.0.0.3 got 200 within 1 s, every second for 15 s, while 127.0.0.2 held its connections")
if lifetime["bytes"] >= 32 * 1024 * 1024 or not 8 <= lifetime["elapsed"] <= 14:
    print("FAIL: slow reader below min_send_rate: %r (want closed after about 10 s)" % lifetime)
    sys.exit(1)
print("ok: a reader below min_send_rate is closed after %.1f s (%d bytes)" % (lifetime["elapsed"], lifetime["bytes"]))
PY

metric() {  # metric LINE-PREFIX -> value
        awk -v k="$1" 'index($0, k " ") == 1 { print $2 }' "$NL_TMP/m.prom"
}
curl -s "http://127.0.0.1:$PORT/metrics" >"$NL_TMP/m.prom"
if command -v promtool >/dev/null; then
        out=$(promtool check metrics <"$NL_TMP/m.prom" 2>&1) || nl_fail "promtool check metrics: $out"
        nl_pass "promtool check metrics"
fi
v=$(metric 'netlab_http_connections_rejected_total{reason="per_source"}')
[ "${v:-0}" -gt 0 ] || nl_fail "no per_source rejections counted: '$v'"
v=$(metric 'netlab_http_timeouts_total{kind="header"}')
[ "${v:-0}" -gt 0 ] || nl_fail "no header timeouts counted: '$v'"
v=$(metric 'netlab_http_timeouts_total{kind="lifetime"}')
[ "${v:-0}" -ge 1 ] || nl_fail "no lifetime timeout counted: '$v'"
nl_pass "/metrics counts refusals by reason and timeouts by kind"
nl_stop
[ "$NL_STATUS" = 0 ] || nl_fail "netlabd exit status $NL_STATUS"

# ---- at the global cap the oldest idle keep-alive connection makes room -----------------
PORT=$(nl_free_port)
cat >"$NL_TMP/cap.conf" <<CONF
echo = { enabled = false; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$ROOT"; access_log = false; max_connections = 4;
         keepalive_timeout = 60.0; };
CONF
nl_start "$NL_TMP/cap.conf"
python3 - "$PORT" <<'PY' || nl_fail "idle keep-alive eviction at the cap (see above)"
import socket, sys, time
port = int(sys.argv[1])
def client(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(1.0)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /digits.txt HTTP/1.1\r\nHost: a\r\n\r\n")
    data = b""
    while not data.endswith(b"0123456789abcdefghij"):
        d = s.recv(4096)
        if not d:
            raise EOFError(repr(data[:60]))
        data += d
    return s
held = []
for i in range(4):                 # four idle keep-alive connections fill the cap
    held.append(client("127.0.0.%d" % (4 + i)))
    time.sleep(0.05)
t0 = time.monotonic()
new = client("127.0.0.9")          # the fifth is served at once, not after 60 s
print("ok: at max_connections a new client is served in %.3f s" % (time.monotonic() - t0))
held[0].settimeout(1.0)
if held[0].recv(1) != b"":
    print("FAIL: the oldest idle connection was not the one closed"); sys.exit(1)
for s in held[1:]:
    s.sendall(b"GET /digits.txt HTTP/1.1\r\nHost: a\r\n\r\n")
    if not s.recv(4096).startswith(b"HTTP/1.1 200"):
        print("FAIL: a newer idle connection was closed"); sys.exit(1)
print("ok: the oldest idle keep-alive connection was closed, the newer ones still work")
PY
curl -s "http://127.0.0.1:$PORT/metrics" >"$NL_TMP/m.prom"
v=$(metric 'netlab_http_connections_evicted_total')
[ "${v:-0}" -ge 1 ] || nl_fail "eviction not counted: '$v'"
nl_pass "eviction counted"
nl_stop

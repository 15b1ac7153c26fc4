#!/bin/sh
# daemon.sh — netlabd's core against the real binary: -t, exit codes, fallback bind,
# socket activation (systemd-socket-activate), sd_notify protocol, SIGHUP with a good
# and a bad file, SIGUSR1, SIGTERM, and no fd leak across 100 reloads.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PORT=$(nl_free_port)
mkdir -p "$NL_TMP/www"
echo hello > "$NL_TMP/www/index.html"

write_conf() {  # write_conf FILE LOSS
        cat >"$1" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = $2; seed = 1; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "www"; };
CONF
}
udp_roundtrip() {  # prints the reply to one datagram, or nothing after 1 s
        python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
s.sendto(sys.argv[2].encode(), ("127.0.0.1", int(sys.argv[1])))
try:
    print(s.recv(65535).decode())
except socket.timeout:
    pass
PY
}

# ---- -t and exit codes ----------------------------------------------------------------
write_conf "$NL_TMP/good.conf" 0.3
out=$("$NETLABD" -t -c "$NL_TMP/good.conf" 2>&1) || nl_fail "-t on a good file: $out"
[ "$(echo "$out" | head -n1)" = "$NL_TMP/good.conf: configuration ok" ] || nl_fail "-t output: '$out'"
echo "$out" | grep -q '^echo: loss 30' || nl_fail "-t does not describe the impairment: '$out'"
nl_pass "-t good file"

printf 'echo = {\n  loss = 0.3;\n  delya = 5;\n};\n' >"$NL_TMP/typo.conf"
set +e
out=$("$NETLABD" -t -c "$NL_TMP/typo.conf" 2>&1); rc=$?
set -e
[ "$rc" = 78 ] || nl_fail "-t on a bad file: exit $rc, want 78"
echo "$out" | grep -q "typo.conf:3: unknown key 'echo.delya', did you mean 'delay'?" || nl_fail "-t message: '$out'"
nl_pass "-t bad file: 78 with file:line"

# -t runs what start-up runs short of binding: a document root that does not open is a
# failed check, not "syntax ok" (then a reload would have refused it).
sed 's|root = "www"|root = "no-such-dir"|' "$NL_TMP/good.conf" >"$NL_TMP/noroot.conf"
set +e
out=$("$NETLABD" -t -c "$NL_TMP/noroot.conf" 2>&1); rc=$?
set -e
[ "$rc" = 78 ] || nl_fail "-t with a missing root: exit $rc, want 78 ('$out')"
[ "$out" = "$NL_TMP/noroot.conf: cannot open the document root '$NL_TMP/no-such-dir': No such file or directory" ] ||
        nl_fail "-t missing root message: '$out'"
set +e
out=$("$NETLABD" -t -c "$NL_TMP" 2>&1); rc=$?
set -e
[ "$rc" = 78 ] || nl_fail "-t -c DIR: exit $rc, want 78"
[ "$out" = "$NL_TMP: Is a directory" ] || nl_fail "-t -c DIR message: '$out'"
nl_pass "-t checks the document root; -c DIR is 'Is a directory', 78"

set +e
out=$("$NETLABD" --no-such-flag 2>&1 >/dev/null); rc=$?
[ "$rc" = 64 ] || nl_fail "unknown option: exit $rc, want 64"
# Like netlab-ping (and ping, ls): what is wrong, the synopsis, where to look; not the
# whole --help.
want="netlabd: unknown option '--no-such-flag'
Usage: netlabd [-c FILE] [-t] [-v]
Try 'netlabd --help' for more information."
[ "$out" = "$want" ] || nl_fail "usage error output: '$out'"
out=$("$NETLABD" -c 2>&1 >/dev/null)
[ "$out" = "netlabd: option '-c' needs a file name
Usage: netlabd [-c FILE] [-t] [-v]
Try 'netlabd --help' for more information." ] || nl_fail "missing -c argument: '$out'"
out=$("$NETLABD" -t stray 2>&1 >/dev/null)
[ "$(echo "$out" | head -n1)" = "netlabd: unexpected argument 'stray'" ] || nl_fail "stray argument: '$out'"
"$NETLABD" -c "$NL_TMP/missing.conf" >/dev/null 2>&1; rc=$?
[ "$rc" = 78 ] || nl_fail "missing -c file: exit $rc, want 78"
"$NETLABD" -t stray >/dev/null 2>&1; rc=$?
[ "$rc" = 64 ] || nl_fail "stray argument: exit $rc, want 64"
set -e
nl_pass "exit codes 64 and 78"

# ---- log format: "<N>" prefixes for journald and pipes, not on a terminal ----------------
printf 'echo = {\n  loss = 7;\n};\n' >"$NL_TMP/bad.conf"
out=$("$NETLABD" -c "$NL_TMP/bad.conf" 2>&1 || true)
echo "$out" | grep -q "^<3>.*bad.conf:2: 'echo.loss' is 7" || nl_fail "piped stderr lacks the <3> prefix: '$out'"
# script(1) gives netlabd a pseudo-terminal as stdin, stdout and stderr.
out=$(script -qec "'$NETLABD' -c '$NL_TMP/bad.conf'" /dev/null </dev/null | tr -d '\r' || true)
echo "$out" | grep -q "bad.conf:2: 'echo.loss' is 7" || nl_fail "nothing logged on a terminal: '$out'"
if echo "$out" | grep -q '<[0-9]>'; then nl_fail "priority prefix on a terminal: '$out'"; fi
nl_pass "log lines: <N> prefix on a pipe, none on a terminal"

# A bind failure says which service could not get its port.
BUSY=$(nl_free_port)
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound", flush=True); time.sleep(30)' "$BUSY" >"$NL_TMP/busy.txt" &
nl_track $!
nl_wait_log bound 5 "$NL_TMP/busy.txt" || nl_fail "port holder did not start"
cat >"$NL_TMP/busy.conf" <<CONF
echo = { listen = ["127.0.0.1:$BUSY"]; };
http = { enabled = false; };
CONF
set +e
out=$("$NETLABD" -c "$NL_TMP/busy.conf" 2>&1); rc=$?
set -e
[ "$rc" = 71 ] || nl_fail "busy port: exit $rc, want 71"
echo "$out" | grep -q "Failed to listen on '127.0.0.1:$BUSY': Address already in use (udp echo)$" ||
        nl_fail "bind failure does not name the service: '$out'"
nl_pass "bind failure names the service"

# ---- fallback bind, sd_notify, reload, counters, stop ------------------------------------
NOTIFY="$NL_TMP/notify.sock"
python3 "$top_srcdir/tests/integration/notify-listen.py" "$NOTIFY" "$NL_TMP/notify.txt" &
nl_track $!
nl_wait_log listening 5 "$NL_TMP/notify.txt" || nl_fail "notify listener did not start"

write_conf "$NL_TMP/netlab.conf" 0.0
NOTIFY_SOCKET="$NOTIFY" nl_start "$NL_TMP/netlab.conf"
[ "$(udp_roundtrip ping-1)" = "ping-1" ] || nl_fail "no echo from the self-bound socket"
curl -s -o /dev/null -m 5 "http://127.0.0.1:$PORT/" || nl_fail "no HTTP answer from the self-bound socket"
nl_wait_log '^READY=1\|STATUS=echo 127.0.0.1:[0-9]+: loss 0.00%' 5 "$NL_TMP/notify.txt" || nl_fail "no READY=1 with STATUS"
nl_pass "fallback bind, READY=1 and STATUS"

# A valid new file: the new value is in the status after RELOADING=1 ... READY=1.
write_conf "$NL_TMP/netlab.conf.new" 0.25
mv "$NL_TMP/netlab.conf.new" "$NL_TMP/netlab.conf"        # replaced by rename, like editors do
kill -HUP "$NL_PID"
nl_wait_log '^RELOADING=1\|MONOTONIC_USEC=[0-9]+$' 5 "$NL_TMP/notify.txt" || nl_fail "no RELOADING=1 + MONOTONIC_USEC"
nl_wait_log '^READY=1\|STATUS=echo 127.0.0.1:[0-9]+: loss 25.00%' 5 "$NL_TMP/notify.txt" || nl_fail "reloaded value not in effect"
nl_wait_log "Reloaded configuration from $NL_TMP/netlab.conf: echo.loss 0 -> 0.25\$" 5 || nl_fail "reload does not say what changed"
nl_pass "SIGHUP with a valid file"

# An invalid file: logged with file:line, old snapshot kept, process alive and serving.
printf 'echo = {\n  loss = 7;\n};\n' >"$NL_TMP/netlab.conf"
kill -HUP "$NL_PID"
nl_wait_log "netlab.conf:2: 'echo.loss' is 7, allowed range is 0..1\$" 5 || nl_fail "bad reload not logged with file:line"
# Two sentences: what is wrong, then what netlabd does about it.
nl_wait_log 'Keeping the previous configuration$' 5 || nl_fail "bad reload: no 'Keeping the previous configuration'"
grep -A1 "netlab.conf:2: 'echo.loss' is 7" "$NL_LOG" | tail -n1 | grep -q 'Keeping the previous configuration$' ||
        nl_fail "bad reload: 'Keeping the previous configuration' does not follow the error"
nl_wait_log 'STATUS=Reload failed, previous configuration kept; echo 127.0.0.1:[0-9]+: loss 25.00%' 5 "$NL_TMP/notify.txt" ||
        nl_fail "STATUS does not say the reload failed"
kill -0 "$NL_PID" || nl_fail "netlabd died on a bad reload"
curl -s -o /dev/null -m 5 "http://127.0.0.1:$PORT/" || nl_fail "HTTP not served after a bad reload"
nl_pass "SIGHUP with an invalid file keeps the old configuration"

# No fd leak: the fd count is the same after 100 reloads (good file again).
write_conf "$NL_TMP/netlab.conf" 0.0
kill -HUP "$NL_PID"
nl_wait_log 'STATUS=echo 127.0.0.1:[0-9]+: loss 0.00%' 5 "$NL_TMP/notify.txt" || nl_fail "reload to loss 0 failed"
before=$(ls "/proc/$NL_PID/fd" | wc -l)
base=$(grep -c 'Reloaded configuration' "$NL_LOG")
i=0
while [ $i -lt 100 ]; do
        # Signals coalesce: wait for each reload so that all 100 really happen.
        nl_signal_wait HUP 'Reloaded configuration' || nl_fail "reload $i not logged within 5 s"
        i=$((i + 1))
done
[ "$(grep -c 'Reloaded configuration' "$NL_LOG")" -ge $((base + 100)) ] || nl_fail "not all 100 reloads happened"
after=$(ls "/proc/$NL_PID/fd" | wc -l)
[ "$before" = "$after" ] || nl_fail "fd count changed across 100 reloads: $before -> $after"
nl_pass "no fd leak across 100 reloads ($before fds)"

kill -USR1 "$NL_PID"
nl_wait_log 'Echo counters: received [0-9]+' 5 || nl_fail "SIGUSR1 did not log the counters"
nl_pass "SIGUSR1 logs the counters"

start=$(date +%s%N)
nl_stop
end=$(date +%s%N)
[ "$NL_STATUS" = 0 ] || nl_fail "SIGTERM: exit status $NL_STATUS"
[ $(((end - start) / 1000000)) -lt 2000 ] || nl_fail "SIGTERM took $(((end - start) / 1000000)) ms"
grep -q '^STOPPING=1' "$NL_TMP/notify.txt" || nl_fail "no STOPPING=1"
nl_pass "SIGTERM: exit 0 quickly, STOPPING=1"

# ---- graceful stop: a delayed reply already queued still goes out ------------------------
cat >"$NL_TMP/delay.conf" <<CONF
echo = { listen = ["127.0.0.1:$PORT"]; delay = 400; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "www"; };
CONF
nl_start "$NL_TMP/delay.conf"
out=$(python3 - "$PORT" "$NL_PID" <<'PY'
import os, signal, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3.0)
s.sendto(b"in flight", ("127.0.0.1", int(sys.argv[1])))
time.sleep(0.15)                          # received and queued for 400 ms by now
os.kill(int(sys.argv[2]), signal.SIGTERM)
try:
    print(s.recv(100).decode())
except socket.timeout:
    print("timeout")
PY
)
[ "$out" = "in flight" ] || nl_fail "queued delayed reply lost on SIGTERM: '$out'"
nl_stop
[ "$NL_STATUS" = 0 ] || nl_fail "graceful stop: exit status $NL_STATUS"
nl_pass "SIGTERM lets queued delayed replies go out, then exits 0"

# ---- bind failure: 71 ------------------------------------------------------------------
# The blocker binds a port of the kernel's choosing and reports it, so no other test can
# race us for it; netlabd runs under timeout(1) so that a bug cannot hang the suite.
python3 -u -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(30)' >"$NL_TMP/blocker.port" &
blocker=$!
nl_track $blocker
nl_wait_log '^[0-9]+$' 5 "$NL_TMP/blocker.port" || nl_fail "blocker did not start"
BUSY=$(cat "$NL_TMP/blocker.port")
sed "s/echo = { listen = \[\"127.0.0.1:$PORT\"\]/echo = { listen = [\"127.0.0.1:$BUSY\"]/" \
        "$NL_TMP/netlab.conf" >"$NL_TMP/busy.conf"
grep -q "127.0.0.1:$BUSY" "$NL_TMP/busy.conf" || nl_fail "could not write busy.conf"
set +e
timeout 10 "$NETLABD" -c "$NL_TMP/busy.conf" >"$NL_TMP/busy.log" 2>&1; rc=$?
set -e
kill $blocker 2>/dev/null || true
[ "$rc" = 71 ] || nl_fail "port in use: exit $rc, want 71"
grep -q "Failed to listen on '127.0.0.1:$BUSY': Address already in use" "$NL_TMP/busy.log" ||
        nl_fail "port in use: message: $(cat "$NL_TMP/busy.log")"
nl_pass "port in use: 71 with a clear message"

# ---- socket activation: fd 3 = TCP, fd 4 = UDP -------------------------------------------
if command -v systemd-socket-activate >/dev/null; then
        NL_LOG="$NL_TMP/activated.log"
        # The first activator execs the second on the first TCP connection; the second
        # adds the UDP socket and execs netlabd with LISTEN_FDS=2. netlabd must not bind
        # anything itself: its config names another port, which must stay closed.
        OTHER=$(nl_free_port)
        sed "s/:$PORT/:$OTHER/g" "$NL_TMP/netlab.conf" >"$NL_TMP/other.conf"
        systemd-socket-activate -l "127.0.0.1:$PORT" \
                systemd-socket-activate -d -l "127.0.0.1:$PORT" \
                "$NETLABD" -c "$NL_TMP/other.conf" >"$NL_LOG" 2>&1 &
        NL_PID=$!
        nl_track "$NL_PID"
        sleep 0.3
        body=$(curl -s -m 5 "http://127.0.0.1:$PORT/" -o /dev/null -w '%{http_code}') || true
        [ -n "$body" ] && [ "$body" != 000 ] || nl_fail "no HTTP answer on the activated socket"
        nl_wait_log 'Using 2 socket\(s\) passed by the service manager' 5 || nl_fail "netlabd did not take 2 fds"
        [ "$(udp_roundtrip activated)" = "activated" ] || nl_fail "no echo on the activated UDP socket"
        if curl -s -m 1 -o /dev/null "http://127.0.0.1:$OTHER/"; then
                nl_fail "netlabd bound its config's port although sockets were passed"
        fi
        nl_stop
        [ "$NL_STATUS" = 0 ] || nl_fail "activated netlabd: exit status $NL_STATUS"
        nl_pass "socket activation with a TCP and a UDP socket"
else
        nl_fail "systemd-socket-activate not installed (package systemd)"
fi

echo "daemon.sh: all checks passed"

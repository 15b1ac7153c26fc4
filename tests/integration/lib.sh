# lib.sh — helpers for the integration tests (sourced, POSIX sh + bash features used by
# the tests). They start the real netlabd on loopback ports, and stop only the
# processes they started, by PID.
#
#   nl_init [--alone]       temp dir $NL_TMP, cleanup trap (kills our PIDs, removes $NL_TMP);
#                           --alone: a test whose assertions are about timing runs with no
#                           other integration test beside it (see nl_init)
#   nl_free_port            prints a port free for both TCP and UDP on 127.0.0.1
#   nl_start CONF [ARGS..]  starts netlabd -c CONF, waits until it logs "ready";
#                           sets NL_PID and NL_LOG
#   nl_stop [PID]           SIGTERM, waits (10 s max); sets NL_STATUS to the exit status
#   nl_track PID            kill PID at cleanup too
#   nl_wait_log PATTERN [SECONDS] [LOG]   waits for a line matching PATTERN (grep -E)
#   nl_signal_wait SIGNAL PATTERN  sends SIGNAL to $NL_PID and waits (5 s max) until one
#                           more line of $NL_LOG matches PATTERN (grep); fails otherwise
#   nl_start_nginx ROOT     nginx (if installed) serving ROOT on a free port, one process,
#                           tracked; sets NGINX_PORT and NGINX_PID, or prints why not and
#                           leaves NGINX_PORT empty
#   nl_fail MESSAGE         prints "FAIL: ..." and exits 1
#   nl_pass MESSAGE         prints "ok: ..."

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
NETLABD=${NETLABD:-$top_builddir/netlabd}
NL_PIDS=""

nl_fail() {
        echo "FAIL: $*" >&2
        if [ -n "${NL_LOG:-}" ] && [ -f "$NL_LOG" ]; then
                echo "---- last lines of $NL_LOG ----" >&2
                tail -n 30 "$NL_LOG" >&2
        fi
        exit 1
}

nl_pass() {
        echo "ok: $*"
}

nl_cleanup() {
        for p in $NL_PIDS; do
                kill -KILL "$p" 2>/dev/null || true
        done
        [ -n "${NL_TMP:-}" ] && rm -rf "$NL_TMP"
}

# make check -j runs tests side by side on a 2-core box; a flood test beside a latency
# comparison moves the medians by tens of microseconds. So every integration test runs
# under flock(1) on one file of the build tree: shared normally, exclusive with --alone.
# flock(2) does not favour a waiting writer, so an --alone test first holds a second
# lock, the gate, exclusively, and every test passes through the gate (shared, at once
# released) before taking its own lock: while an --alone test waits, no new test starts,
# and the running ones finish. The test re-runs itself as flock's child; -o keeps the
# locks' fds out of it, so nothing the test starts (a daemonizing helper such as
# Chromium's crash handler) can hold a lock after it ends. A lock not had in 900 s: the
# test runs unlocked, with a note (the child's own status 75 is passed on as 1, so it
# cannot be taken for that).
nl_init() {
        if [ -z "${NL_LOCKED:-}" ] && command -v flock >/dev/null; then
                lock=$top_builddir/.integration-lock
                # the test itself, its own 75 passed on as 1
                run='"$0" "$1"; s=$?; [ "$s" -ne 75 ] || s=1; exit "$s"'
                st=0
                if [ "${1:-}" = "--alone" ]; then
                        NL_LOCKED=1 flock -o -E 75 -w 900 -x "$lock.gate" flock -o -E 75 -w 900 -x "$lock" \
                                sh -c "$run" "${BASH:-/bin/sh}" "$0" || st=$?
                else
                        flock -o -w 900 -s "$lock.gate" true || true
                        NL_LOCKED=1 flock -o -E 75 -w 900 -s "$lock" sh -c "$run" "${BASH:-/bin/sh}" "$0" || st=$?
                fi
                [ "$st" -ne 75 ] && exit "$st"
                echo "note: waited 900 s for $lock; running unlocked"
        fi
        NL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/netlab-test.XXXXXX")
        trap nl_cleanup EXIT
        trap 'exit 1' INT TERM
}

# The STAMP tests' tools as $PING (netlab-ping), $PY (Debian's python3: python3-scapy
# lives there) and $PEER (stamp-peer.py); fails when scapy is missing.
nl_stamp_tools() {
        PING=${NETLAB_PING:-$top_builddir/netlab-ping}
        PY=/usr/bin/python3
        PEER="$top_srcdir/tests/integration/stamp-peer.py"
        "$PY" -c 'import scapy.contrib.stamp' 2>/dev/null ||
                nl_fail "python3-scapy is missing (apt-get install python3-scapy; tests/check-all.sh does)"
}

nl_start_nginx() {
        NGINX_PORT=
        NGINX_PID=
        command -v nginx >/dev/null || { echo "note: nginx not installed (apt-get install nginx-light)"; return 0; }
        port=$(nl_free_port)
        mkdir -p "$NL_TMP/nginx/tmp"
        chmod 755 "$NL_TMP"             # nginx's worker may run as nobody
        cat >"$NL_TMP/nginx/nginx.conf" <<NGX
master_process off;
worker_processes 1;
pid $NL_TMP/nginx/nginx.pid;
error_log stderr crit;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $NL_TMP/nginx/tmp/body;
    proxy_temp_path $NL_TMP/nginx/tmp/proxy;
    fastcgi_temp_path $NL_TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $NL_TMP/nginx/tmp/uwsgi;
    scgi_temp_path $NL_TMP/nginx/tmp/scgi;
    server { listen 127.0.0.1:$port; root $1; }
}
NGX
        nginx -p "$NL_TMP/nginx" -c "$NL_TMP/nginx/nginx.conf" -e stderr -g 'daemon off;' \
                2>"$NL_TMP/nginx/stderr" &
        NGINX_PID=$!
        nl_track "$NGINX_PID"
        i=0
        until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
                i=$((i + 1))
                if [ "$i" -ge 50 ]; then
                        echo "note: nginx did not start ($(cat "$NL_TMP/nginx/stderr"))"
                        return 0
                fi
                sleep 0.1
        done
        NGINX_PORT=$port
}

nl_track() {
        NL_PIDS="$NL_PIDS $1"
}

nl_free_port() {
        # Picks from below the kernel's ephemeral range (32768+ by default): client sockets
        # of concurrently running tests get their implicit ports from that range, so they
        # cannot grab the port between this check and netlabd's bind.
        python3 - <<'PY'
import os, random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
rng = random.Random(os.getpid() ^ int.from_bytes(os.urandom(4), "little"))
for _ in range(1000):
    port = rng.randrange(10000, max(lo, 10001))
    socks = []
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            socks.append(s)
            s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    break
PY
}

nl_wait_log() {
        pattern=$1
        seconds=${2:-10}
        log=${3:-$NL_LOG}
        i=0
        while [ "$i" -lt $((seconds * 20)) ]; do
                grep -Eq -- "$pattern" "$log" 2>/dev/null && return 0
                sleep 0.05
                i=$((i + 1))
        done
        return 1
}

nl_signal_wait() {
        _nl_n=$(grep -c -- "$2" "$NL_LOG" || true)
        kill -"$1" "$NL_PID"
        _nl_i=0
        while [ "$(grep -c -- "$2" "$NL_LOG" || true)" -le "$_nl_n" ]; do
                _nl_i=$((_nl_i + 1))
                [ "$_nl_i" -lt 250 ] || return 1
                sleep 0.02
        done
}

nl_start() {
        conf=$1
        shift
        NL_LOG="$NL_TMP/netlabd.$$.$(date +%s%N).log"
        "$NETLABD" -c "$conf" "$@" >"$NL_LOG" 2>&1 &
        NL_PID=$!
        nl_track "$NL_PID"
        i=0
        while [ "$i" -lt 300 ]; do
                grep -q ' ready' "$NL_LOG" 2>/dev/null && return 0
                kill -0 "$NL_PID" 2>/dev/null || nl_fail "netlabd exited during startup"
                sleep 0.05
                i=$((i + 1))
        done
        nl_fail "netlabd did not become ready within 15 s"
}

nl_stop() {
        pid=${1:-$NL_PID}
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 200 ]; do
                sleep 0.05
                i=$((i + 1))
        done
        kill -0 "$pid" 2>/dev/null && nl_fail "netlabd (pid $pid) did not stop within 10 s"
        NL_STATUS=0
        wait "$pid" 2>/dev/null || NL_STATUS=$?
        return 0
}

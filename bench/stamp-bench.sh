#!/bin/sh
# stamp-bench.sh — netlabd's CPU per reply as a STAMP reflector (stateless, stateful +
# DM) next to the echo answering netlab probes, at the same paced load on loopback:
# netlab-ping (UDP probes, or --stamp) sends N requests at interval I to one netlabd that
# runs both services unimpaired; the daemon's CPU time (utime + stime from /proc) over
# each run (/proc/PID/schedstat: ns of CPU) is divided by the replies netlab-ping got.
# The sender's own CPU is not counted. netlabd runs on CPU 0, netlab-ping on CPU 1, and
# the whole run holds flock(1) on $BENCH_LOCK so two benchmarks never overlap.
#
#   bench/stamp-bench.sh [BUILDDIR]         # default . (netlabd and netlab-ping there)
#   N=20000 I=0.0002 bench/stamp-bench.sh build/n
set -eu
B=${1:-.}
N=${N:-20000}
I=${I:-0.0002}
exec 9>"${BENCH_LOCK:-/tmp/netlab-bench.lock}"
flock 9
TMP=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
EP=$(port)
SP=$(port)

run() {  # run MODE LABEL PING-ARGS..
        mode=$1 label=$2
        shift 2
        cat >"$TMP/c.conf" <<CONF
echo = { listen = ["127.0.0.1:$EP"]; rate_limit = 0.0; };
stamp = { enabled = true; listen = ["127.0.0.1:$SP"]; mode = "$mode"; };
http = { enabled = false; };
CONF
        taskset -c 0 "$B/netlabd" -c "$TMP/c.conf" >"$TMP/d.log" 2>&1 &
        PID=$!
        until grep -q ' ready' "$TMP/d.log"; do sleep 0.05; done
        t0=$(cut -d' ' -f1 "/proc/$PID/schedstat")
        taskset -c 1 "$B/netlab-ping" -q -c "$N" -i "$I" "$@" >"$TMP/p.out" 2>&1 || true
        t1=$(cut -d' ' -f1 "/proc/$PID/schedstat")
        rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/p.out" | head -n 1)
        kill "$PID"
        wait "$PID" 2>/dev/null || true
        awk -v l="$label" -v t="$((t1 - t0))" -v n="$rx" \
                'BEGIN { printf "%-28s %8d replies %8.2f us CPU/reply\n", l, n, t / 1e3 / n }'
}

echo "netlabd CPU per reply, $N requests at -i $I, $(date -u +%Y-%m-%d) $(uname -m) $(nproc) CPUs"
run stateful "echo (netlab probes, 64 B)" "127.0.0.1:$EP"
run stateless "stamp stateless (44 B)" --stamp -s 44 "127.0.0.1:$SP"
run stateful "stamp stateful + DM (60 B)" --stamp "127.0.0.1:$SP"

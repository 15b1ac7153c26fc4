#!/bin/sh
# echo-fair.sh — one loop serves the echo and HTTP, and neither starves the other (issue
# 18). The echo socket runs at a higher sd-event priority than the HTTP sources, so a
# probe is not kept waiting behind a batch of HTTP connections; a wakeup that finds a
# full batch of datagrams is load, and the socket drops back to HTTP's priority until a
# light wakeup.
#  1. A backlog: netlabd is stopped while 1 s of datagrams fills its (socket-activated,
#     64 MiB) receive buffer and a GET /metrics waits in the accept queue. Continued, it
#     must answer the request after a few echo batches, not after the whole backlog: the
#     answer's own received counter says how many it echoed first.
#  2. A flood that outruns the echo for 10 s (netlabd on half a core, two open-loop
#     senders on the other; the kernel's receive-buffer drops prove the socket stayed
#     full): every one of 20 page fetches made meanwhile is answered within a second.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init --alone

command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v taskset >/dev/null || { echo "SKIP: taskset (util-linux) is not installed"; exit 77; }
taskset -c 1 true 2>/dev/null || { echo "SKIP: needs two CPUs (0 and 1) to pin the flood"; exit 77; }
BLAST=$top_builddir/tests/udp_blast
[ -x "$BLAST" ] || nl_fail "no $BLAST (make check builds it)"

PORT=$(nl_free_port)
CONF="$NL_TMP/fair.conf"
cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; seed = 1; loss = 0.0;
         rate_limit = 0.0; rate_limit_plain = 0.0; rate_limit_bytes = 0.0; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$top_srcdir/www"; access_log = false; };
CONF
nl_start "$CONF"

metric() {  # metric NAME: the echo service's value in a fresh scrape of /metrics
        curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v n="$1{service=\"echo\"}" '$1 == n { print $2 }'
}
rcvbuf_errors() {  # the kernel's UDP receive-buffer drops, all sockets
        awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
             $1 == "Udp:" { print $col["RcvbufErrors"] }' /proc/net/snmp
}

# ---- 1. a backlog ------------------------------------------------------------------------
# The sockets come from a python wrapper (socket activation: netlabd never sets a receive
# buffer itself), so the UDP one can have 64 MiB, which needs root or a large rmem_max.
ACT_PORT=$(nl_free_port)
sed "s/:$PORT/:$ACT_PORT/g" "$CONF" >"$NL_TMP/act.conf"
python3 - "$ACT_PORT" "$NETLABD" "$NL_TMP/act.conf" >"$NL_TMP/act.log" 2>&1 <<'PY' &
import os, socket, sys
port, netlabd, conf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root)
except OSError:
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
u.bind(("127.0.0.1", port))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port))
t.listen(128)
print("rcvbuf", u.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), flush=True)
tcp, udp = os.dup(t.fileno()), os.dup(u.fileno())  # above 3 and 4, which u and t may be
os.dup2(tcp, 3)
os.dup2(udp, 4)
os.environ["LISTEN_FDS"] = "2"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(netlabd, [netlabd, "-c", conf])
PY
act_pid=$!
nl_track "$act_pid"
i=0
until curl -sf -o /dev/null "http://127.0.0.1:$ACT_PORT/helloWorld.html"; do
        i=$((i + 1))
        [ "$i" -lt 50 ] || nl_fail "the activated netlabd did not start: $(cat "$NL_TMP/act.log")"
        sleep 0.1
done
rcvbuf=$(sed -n 's/^rcvbuf //p' "$NL_TMP/act.log")
if [ "${rcvbuf:-0}" -lt $((16 << 20)) ]; then
        echo "skip the backlog part: a receive buffer of only ${rcvbuf:-?} bytes (needs root or net.core.rmem_max >= 32 MiB)"
else
        kill -STOP "$act_pid"
        "$BLAST" 127.0.0.2 127.0.0.1 "$ACT_PORT" 1 >"$NL_TMP/backlog.out" 2>&1
        curl -s --max-time 20 -o "$NL_TMP/backlog.metrics" "http://127.0.0.1:$ACT_PORT/metrics" &
        curl_pid=$!
        sleep 0.5
        kill -CONT "$act_pid"
        wait "$curl_pid" || nl_fail "GET /metrics after the backlog failed"
        first=$(awk '$1 == "netlab_echo_received_total{service=\"echo\"}" { print $2 }' "$NL_TMP/backlog.metrics")
        prev=-1
        i=0
        while :; do  # the whole backlog, once the counter stops moving
                total=$(curl -sf "http://127.0.0.1:$ACT_PORT/metrics" |
                        awk '$1 == "netlab_echo_received_total{service=\"echo\"}" { print $2 }')
                [ "$total" = "$prev" ] && break
                prev=$total
                i=$((i + 1))
                [ "$i" -lt 100 ] || nl_fail "the backlog did not drain"
                sleep 0.2
        done
        [ "$total" -ge 20000 ] || nl_fail "a backlog of only $total datagrams ($(cat "$NL_TMP/backlog.out"))"
        # 256 datagrams per echo wakeup; the first takes a full batch and makes way
        [ -n "$first" ] && [ "$first" -le 1024 ] ||
                nl_fail "the request waited behind ${first:-?} of $total queued datagrams"
        nl_pass "a request queued behind $total datagrams was answered after $first of them"
fi
kill "$act_pid" 2>/dev/null || true
wait "$act_pid" 2>/dev/null || true

# ---- 2. a flood that outruns the echo -----------------------------------------------------
received0=$(metric netlab_echo_received_total)
drops0=$(rcvbuf_errors)
# The datagrams must arrive faster than the echo answers them for the whole run (as from
# a remote sender at line rate): netlabd shares CPU 0 with a busy loop, so it has half a
# core, and two senders share CPU 1.
taskset -pc 0 "$NL_PID" >/dev/null
taskset -c 0 sh -c 'while :; do :; done' &
nl_track $!
taskset -c 1 "$BLAST" 127.0.0.2 127.0.0.1 "$PORT" 10 >"$NL_TMP/blast.out" 2>&1 &
blast_pid=$!
nl_track "$blast_pid"
taskset -c 1 "$BLAST" 127.0.0.3 127.0.0.1 "$PORT" 10 >"$NL_TMP/blast2.out" 2>&1 &
blast2_pid=$!
nl_track "$blast2_pid"
sleep 0.5

i=0
slow=""
while [ "$i" -lt 20 ]; do
        out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 3 \
                "http://127.0.0.1:$PORT/helloWorld.html" || true)
        case $out in
        "200 "*) awk -v t="${out#200 }" 'BEGIN { exit !(t < 1.0) }' || slow="$slow $out" ;;
        *) nl_fail "request $i during the flood: '$out' (HTTP starved by the echo)" ;;
        esac
        i=$((i + 1))
        sleep 0.1
done
[ -z "$slow" ] || nl_fail "requests slower than 1 s during the flood:$slow"
kill -0 "$blast_pid" 2>/dev/null || nl_fail "the flood ended before the requests: $(cat "$NL_TMP/blast.out")"
wait "$blast_pid" || nl_fail "udp_blast failed: $(cat "$NL_TMP/blast.out")"
wait "$blast2_pid" || nl_fail "udp_blast failed: $(cat "$NL_TMP/blast2.out")"

received=$(($(metric netlab_echo_received_total) - received0))
drops=$(($(rcvbuf_errors) - drops0))
[ "$received" -gt 100000 ] || nl_fail "the echo received only $received datagrams: no flood"
[ "$drops" -gt 0 ] || nl_fail "no receive-buffer drops: the echo socket was not kept full ($(cat "$NL_TMP/blast.out"))"
nl_pass "20 page fetches answered within 1 s while the echo socket stayed full ($(cat "$NL_TMP/blast.out") + $(cat "$NL_TMP/blast2.out"), $received echoed, $drops dropped by the kernel)"
